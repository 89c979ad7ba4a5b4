"""``python -m tests.sync.schema_opener URL``: open a state store once a line arrives on stdin, print whether this
process created its tables (several are started together to race for a store that does not exist yet)."""

from __future__ import annotations

import json
import sys

from leadstage.sync.state import StateStore

if __name__ == "__main__":
    print("ready", flush=True)
    sys.stdin.readline()
    store = StateStore(sys.argv[1])
    print(json.dumps({"created": store.schema_created}), flush=True)
    store.close()
