"""The identity app's commands."""
