"""The identity app's API: its identity providers, for the shared-service manager."""
