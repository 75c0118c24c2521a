"""Gateway: indexes ledger events into SQL and serves a role-scoped API."""
