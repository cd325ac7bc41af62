"""Finance records: recharges (see finance/models/__init__.py)."""
