"""The SCF ledger gateway: a reorg-safe event indexer and a role-scoped read API.

The indexer (:mod:`gateway.indexer`) rebuilds the ledger's state in SQL from contract events alone; the API
(:mod:`gateway.main`) serves it to participants signed in with Sign-In with Ethereum, each seeing only its own
business, and to the regulator, who sees everything read-only.
"""
