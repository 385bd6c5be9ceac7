"""``python -m midweek``: the command line."""

from midweek.cli import main

main()
