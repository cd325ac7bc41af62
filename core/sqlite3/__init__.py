"""Concord's SQLite database backend: Django's, keeping the query planner's statistics (see
base.py)."""
