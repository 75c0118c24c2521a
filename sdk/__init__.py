"""Python SDK of the supply-chain finance ledger.

    from sdk import Ledger, connect, Role
    chain = connect()                       # embedded in-process chain; or connect("http://127.0.0.1:8545")
    ledger = Ledger.deploy(chain, operator_key)
    bank = ledger.as_party(bank_key)
"""

from sdk.chain import Chain, EmbeddedChain, RpcChain, connect
from sdk.errors import ContractError, LedgerError
from sdk.ledger import Deployment, Ledger, Party
from sdk.types import Balance, Participant, ParticipantStatus, Role, Standing, TransferRestriction, TxResult

__all__ = [
    "Balance",
    "Chain",
    "ContractError",
    "Deployment",
    "EmbeddedChain",
    "Ledger",
    "LedgerError",
    "Participant",
    "ParticipantStatus",
    "Party",
    "Role",
    "RpcChain",
    "Standing",
    "TransferRestriction",
    "TxResult",
    "connect",
]
