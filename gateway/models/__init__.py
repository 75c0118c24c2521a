"""SQLModel tables (each entity: Base -> table -> Public -> ListPublic). Importing this package registers all
tables on ``SQLModel.metadata``, which Alembic compares against."""

from gateway.models.auth import AuthNonce
from gateway.models.balances import Balance
from gateway.models.events import EventLog, EventRef
from gateway.models.indexer import ChangeLog, IndexedBlock, IndexerState
from gateway.models.participants import LedgerContract, Participant

__all__ = [
    "AuthNonce",
    "Balance",
    "ChangeLog",
    "EventLog",
    "EventRef",
    "IndexedBlock",
    "IndexerState",
    "LedgerContract",
    "Participant",
]
