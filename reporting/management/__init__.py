"""Commands of the reporting app."""
