"""The funnel report: figures from the stage history, as tables, JSON, CSV or one HTML page."""
