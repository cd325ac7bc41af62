"""Signing in through each council's own identity provider (OpenID Connect), and ending a
person's access at once (docs/identity.md)."""
