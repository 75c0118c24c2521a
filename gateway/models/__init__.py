"""SQLModel tables (each entity: Base -> table -> Public -> ListPublic). Importing this package registers all
tables on ``SQLModel.metadata``, which Alembic compares against."""

from gateway.models.attestations import Attestation, AttestationOpening, Consent
from gateway.models.auth import AuthNonce
from gateway.models.balances import Balance
from gateway.models.creditlines import CreditLine, CreditPledge, CreditTranche
from gateway.models.events import EventLog, EventRef
from gateway.models.indexer import ChangeLog, IndexedBlock, IndexerState
from gateway.models.links import LedgerSetting, PartyLink
from gateway.models.participants import LedgerContract, Participant
from gateway.models.positions import MaturitySummary
from gateway.models.prepayments import Prepayment, PrepaymentInstalment
from gateway.models.quotes import DiscountTerms
from gateway.models.receivables import Exposure, Financing, Fragment, Offer, Receivable
from gateway.models.riskpool import Loss, RiskClaim, RiskHeld, RiskProgram, RiskProgramMember
from gateway.models.tx import TxSubmission
from gateway.models.warehouse import (
    CommodityPrice,
    IssuerApproval,
    Loan,
    LoanCollateral,
    LoanProgram,
    LoanProgramListing,
    WarehouseReceipt,
)

__all__ = [
    "Attestation",
    "AttestationOpening",
    "AuthNonce",
    "Balance",
    "ChangeLog",
    "CommodityPrice",
    "Consent",
    "CreditLine",
    "CreditPledge",
    "CreditTranche",
    "DiscountTerms",
    "EventLog",
    "TxSubmission",
    "EventRef",
    "Exposure",
    "Financing",
    "Fragment",
    "IndexedBlock",
    "IndexerState",
    "IssuerApproval",
    "LedgerContract",
    "LedgerSetting",
    "Loan",
    "LoanCollateral",
    "LoanProgram",
    "LoanProgramListing",
    "Loss",
    "MaturitySummary",
    "Offer",
    "Participant",
    "PartyLink",
    "Prepayment",
    "PrepaymentInstalment",
    "Receivable",
    "RiskClaim",
    "RiskHeld",
    "RiskProgram",
    "RiskProgramMember",
    "WarehouseReceipt",
]
