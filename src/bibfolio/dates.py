"""When a .bib says an entry last changed, as an RFC 3339 time a feed can carry.

Exporters write it in their own ways: DBLP's and JabRef's ``timestamp`` (an e-mail date,
``Mon, 08 Jul 2019 10:47:53 +0200``, or ISO 8601), BibDesk's ``date-modified``, biblatex's
``urldate`` and ``date`` (ISO 8601, possibly a range ``2019-07/2019-08``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

# Looked for in this order; the first that reads as a date wins.
DATE_FIELDS: tuple[str, ...] = ("timestamp", "date-modified", "urldate", "date")
_ISO = re.compile(
    r"(\d{4})(?:-(\d\d)(?:-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)?)?)?)?(?![\d:])",
    re.IGNORECASE,
)


def entry_updated(fields: Mapping[str, str]) -> str:
    """The first of ``DATE_FIELDS`` that reads as a date, as RFC 3339 ("" when none does)."""
    for name in DATE_FIELDS:
        moment = parse_moment(fields.get(name, ""))
        if moment is not None:
            return rfc3339(moment)
    return ""


def parse_moment(text: str) -> datetime | None:
    """A date or time as exporters write it; a time without an offset is taken as UTC."""
    text = text.strip()
    match = _ISO.match(text)
    try:
        if match:
            year, month, day, hour, minute, second, offset = match.groups()
            moment = datetime(
                int(year), int(month or 1), int(day or 1),
                int(hour or 0), int(minute or 0), int(second or 0),
                tzinfo=_zone(offset),
            )  # fmt: skip
        elif text[:1].isalpha():
            from email.utils import parsedate_to_datetime  # rare: not worth loading at start

            moment = parsedate_to_datetime(text)
        else:
            return None
    except (ValueError, TypeError, IndexError):  # 2019-13-45, or not a date at all
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def rfc3339(moment: datetime) -> str:
    """``2019-07-08T10:47:53+02:00``, or with ``Z`` in UTC, as Atom's date constructs want."""
    text = moment.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _zone(offset: str | None) -> timezone:
    if not offset or offset.upper() == "Z":
        return timezone.utc
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
