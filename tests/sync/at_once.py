"""``python -m tests.sync.at_once ARGS...``: the ``leadstage`` command line, started only once a line arrives on
stdin, so that several processes can be made to start at the same moment (they print "ready" when loaded)."""

from __future__ import annotations

import sys

from leadstage.cli import main

if __name__ == "__main__":
    print("ready", flush=True)
    sys.stdin.readline()
    sys.argv = ["leadstage", *sys.argv[1:]]
    main()
