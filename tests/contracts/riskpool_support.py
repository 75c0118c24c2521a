"""Shared set-up of the risk-pool tests: a government fund (40 %), an insurer (40 %) and bank1 (20 %) fund a program
covering bank1's losses on receivables, pledge loans and credit lines."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sdk import Ledger, Party, Role
from sdk.riskpool import ProgramTerms
from tests.conftest import Cast, test_key
from tests.contracts.receivables_support import DAY, fund, new_root

TIER1 = 1_000_000_00  # the first 1,000,000.00 of a bank's net loss ...
TIER2 = 5_000_000_00  # ... and up to 5,000,000.00
GRADES = ((TIER1, 8_000), (TIER2, 5_000))  # 80 %, then 50 %, nothing beyond
SHARES = (4_000, 4_000, 2_000)  # fund, insurer, bank
CAP_PER_CLAIM = 2_000_000_00
CAP_PER_BANK = 3_000_000_00
APPROVAL = 10**14


@dataclass
class Pool:
    ledger: Ledger
    cast: Cast
    insurer: Party
    discounted: dict[int, int] = field(default_factory=dict)  # fragment -> price the bank paid (its event)

    @property
    def fund(self) -> Party:
        return self.cast.riskpool  # the government guarantee fund

    @property
    def contributors(self) -> tuple[Party, Party, Party]:
        return (self.fund, self.insurer, self.cast.bank1)

    def terms(self, **changes: object) -> ProgramTerms:
        now = self.ledger.chain.now()
        values: dict[str, object] = {
            "name": "Qingdao SME credit 2026",
            "banks": (self.cast.bank1.address,),
            "sources": (self.ledger.receivables.address, self.ledger.loans.address, self.ledger.credit_lines.address),
            "start": now,
            "end": now + 1000 * DAY,
            "contributors": tuple(p.address for p in self.contributors),
            "shares_bps": SHARES,
            "grades": GRADES,
            "cap_per_claim": CAP_PER_CLAIM,
            "cap_per_bank": CAP_PER_BANK,
        }
        values.update(changes)
        return ProgramTerms(**values)  # type: ignore[arg-type]

    def create(self, **changes: object) -> int:
        return self.cast.operator.risk_pool.create_program(self.terms(**changes)).program_id

    def deposit(self, program_id: int, total: int) -> None:
        """Each contributor deposits its committed share of `total`."""
        for party, share in zip(self.contributors, SHARES, strict=True):
            party.risk_pool.deposit(program_id, total * share // 10_000)

    def defaulted_fragment(self, face: int, bank: Party | None = None) -> tuple[int, int]:
        """supplier1 sells a fragment of `face` without recourse to `bank`; core never pays; the bank declares
        default. Returns (root id, fragment id)."""
        bank = bank or self.cast.bank1
        root, frag = new_root(self.cast, face=face, days=1)
        self.discounted[frag] = fund(self.cast.supplier1, frag, bank, self.cast.core, recourse=False,
                                     limit=10**15).price
        due = self.ledger.receivables.get_receivable(root).due_date
        self.ledger.chain.travel_to(due + self.ledger.receivables.grace_period())
        bank.receivables.declare_default(frag)
        return root, frag

    def record_fragment_loss(self, frag: int) -> int:
        return self.cast.outsider.losses.record(self.ledger.receivables.address, frag).loss_id


@pytest.fixture()
def pool(ledger: Ledger, cast: Cast) -> Pool:
    key = test_key("insurer")
    ledger.chain.fund(key.address, 10**22)
    cast.operator.registry.admit(key.address, [Role.RISK_POOL_CONTRIBUTOR], "identity:insurer",
                                 ledger.chain.now() + 20 * 365 * DAY)
    insurer = ledger.as_party(key)
    for party in (cast.riskpool, insurer):
        cast.bank2.token.mint(party.address, 50_000_000_00, "pool funding")
    for party in (cast.riskpool, insurer, cast.bank1):
        party.token.approve(ledger.risk_pool.address, APPROVAL)
    return Pool(ledger, cast, insurer)
