"""The portfolio app's API."""
