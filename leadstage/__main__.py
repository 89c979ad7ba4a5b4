"""``python -m leadstage``."""

from leadstage.sync.cli import main

main()
