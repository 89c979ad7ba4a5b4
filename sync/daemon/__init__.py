"""The scheduler daemon: every portal on its schedule, one process (APScheduler)."""
