"""Shared money: budgets per council, costs, apportionment and recharges, business cases and
savings (docs/finance.md)."""
