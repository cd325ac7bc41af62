"""The KPI roll-ups (reporting.rollups keeps them from the records)."""
