"""Migrations of the reporting app."""
