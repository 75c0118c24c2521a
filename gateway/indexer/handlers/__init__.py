"""Projection handlers, one module per contract. Importing this package registers them on
:data:`gateway.indexer.registry.HANDLERS`."""

from gateway.indexer.handlers import (
    attestations,
    creditlines,
    participants,
    prepayment,
    receivables,
    riskpool,
    token,
    warehouse,
)

__all__ = ["attestations", "creditlines", "participants", "prepayment", "receivables", "riskpool", "token", "warehouse"]
