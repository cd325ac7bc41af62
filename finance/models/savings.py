"""Finance records: savings (see finance/models/__init__.py)."""
