"""`concord rollup`: the KPI roll-ups rebuilt from the records."""
