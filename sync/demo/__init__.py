"""The demo: the real sync against a seeded sandbox CRM, then weeks of simulated sales work."""
