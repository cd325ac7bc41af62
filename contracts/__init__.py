"""Suppliers, contracts, frameworks with lots and call-offs, purchasing and exit plans."""
