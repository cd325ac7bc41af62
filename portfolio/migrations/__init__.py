"""Migrations of the portfolio app."""
