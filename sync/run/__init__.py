"""One run of one portal: the engine, the runner that starts every run, leases, backfills, explanations."""
