"""Concord's PostgreSQL database backend: Django's, with writes that can wait (see base.py)."""
