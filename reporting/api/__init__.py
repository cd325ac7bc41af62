"""The reporting app's API."""
