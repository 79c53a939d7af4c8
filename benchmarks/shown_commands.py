"""Count the LaTeX commands a page still shows as written (``\\sys``) in titles, venues and
names: what ``bibfolio build FILE -f json`` gives, per file and in total.

    .venv/bin/python benchmarks/shown_commands.py /work/shared/realworld/*.bib
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_COMMAND = re.compile(r"\\([A-Za-z@]+)")


def shown_texts(page: dict[str, Any]) -> Iterator[str]:
    """The titles, venues and author and editor names of every entry on the page."""
    for theme in page["themes"]:
        for section in theme["sections"]:
            for entry in section["entries"]:
                yield entry["title"]
                yield entry["venue"]
                yield from (person["name"] for person in entry["authors"] + entry["editors"])


def count(path: Path, bibfolio: str) -> Counter[str]:
    """The commands shown as written on the page built from ``path``, with their uses."""
    command = [bibfolio, "build", str(path), "-f", "json", "-o", "-", "--no-cache"]
    result = subprocess.run([*command, "--skip-invalid"], capture_output=True, check=True)
    page = json.loads(result.stdout)
    return Counter(name for text in shown_texts(page) for name in _COMMAND.findall(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--bibfolio", default=str(Path(sys.executable).with_name("bibfolio")))
    parser.add_argument("--top", type=int, default=10, help="commands to list per file")
    args = parser.parse_args()
    total: Counter[str] = Counter()
    for path in args.files:
        found = count(path, args.bibfolio)
        total += found
        top = ", ".join(f"\\{name} {n}" for name, n in found.most_common(args.top))
        print(f"{path.name}: {sum(found.values())} uses of {len(found)} commands  {top}")
    print(f"total: {sum(total.values())} uses of {len(total)} commands")


if __name__ == "__main__":
    main()
