"""The identity app's commands: `concord demo-sso`."""
