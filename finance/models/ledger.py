"""Finance records: ledger (see finance/models/__init__.py)."""
