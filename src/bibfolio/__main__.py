"""``python -m bibfolio`` runs the command-line interface."""

from .cli import main

main()
