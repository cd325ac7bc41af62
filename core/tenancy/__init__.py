"""The tenancy kernel: the ground floor of Concord.

Who is who (accounts, councils, the roles people hold in them), who owns each record
(`records`), who may do what (the grant tables in `access`), the one closed-by-default way
to ask for records (`scoping`), and who may sign in (`auth`, `middleware`). It imports nothing
of Concord above it; the rest of core builds on it, and every app on core
(docs/architecture.md).
"""
