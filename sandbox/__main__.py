"""`python -m leadstage.sandbox`: serve a seeded sandbox portal until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from leadstage.sandbox.config import REAL_SEARCH_RATE_PER_SECOND, RateLimit, SandboxConfig
from leadstage.sandbox.core import DEFAULT_SEED, DEFAULT_SEED_CONTACTS, Sandbox


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, seed or load data, and serve."""
    parser = argparse.ArgumentParser(prog="python -m leadstage.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", action="append", help="accepted bearer token (repeatable)")
    parser.add_argument("--contacts", type=int, default=DEFAULT_SEED_CONTACTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data", help="load this data file instead of seeding")
    parser.add_argument(
        "--firmographics-on-companies-only",
        action="store_true",
        help="seed contacts without the copies of their company's industry, size and revenue",
    )
    parser.add_argument("--real-limits", action="store_true", help="190/10 s and 5 searches/s like a Pro portal")
    args = parser.parse_args(argv)
    config = SandboxConfig(
        tokens=tuple(args.token or ["test-token"]),
        port=args.port,
        rate_limit=RateLimit() if args.real_limits else None,
        search_rate_per_second=REAL_SEARCH_RATE_PER_SECOND if args.real_limits else None,
    )
    sandbox = Sandbox(config)
    if args.data:
        sandbox.load(args.data)
    else:
        sandbox.seed(
            n_contacts=args.contacts, seed=args.seed, contact_firmographics=not args.firmographics_on_companies_only
        )
    print(
        f"HubSpot sandbox on http://{config.host}:{args.port} (tokens: {', '.join(config.tokens)})",
        flush=True,
    )
    sandbox.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
