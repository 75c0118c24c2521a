"""The indexer against the real test chain (embedded, or anvil with --chain anvil), driven by the SDK."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from gateway.indexer.engine import IndexerHalted, Step
from gateway.models.balances import Balance
from gateway.models.participants import Participant
from sdk import Ledger, ParticipantStatus, Role
from sdk.chain import Chain
from sdk.types import roles_to_mask
from tests.conftest import Cast
from tests.gateway.helpers import dump, indexer, registry_activity, token_activity
from tests.gateway.scenarios import prepayment_activity, receivables_activity, warehouse_activity


class Crash(Exception):
    """A simulated process crash."""


def test_projections_match_the_chain(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> None:
    token_activity(cast, random.Random(1), 12)
    registry_activity(cast)
    indexer(chain, ledger.deployment, db).sync()
    with db.connect() as conn:
        balances = {r.address: r.units for r in conn.execute(select(Balance.__table__))}
        participants = {r.address: r for r in conn.execute(select(Participant.__table__))}
    for party in cast.parties().values():
        assert balances.get(party.address, 0) == ledger.token.balance_of(party.address).units
    assert sum(balances.values()) == ledger.token.total_supply()
    for name, party in cast.parties().items():
        if name in ("operator", "outsider"):
            assert party.address not in participants
            continue
        onchain = ledger.registry.get_participant(party.address)
        row = participants[party.address]
        assert (row.roles, row.status, row.kyc_expiry) == (
            roles_to_mask(onchain.roles), int(onchain.status), onchain.kyc_expiry)
        assert row.identity_hash == "0x" + onchain.identity_hash.hex()
        assert row.admitted_at == onchain.admitted_at


def test_suspension_is_projected_with_its_reason(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> None:
    cast.operator.registry.suspend(cast.supplier1.address, "KYC_REVIEW")
    indexer(chain, ledger.deployment, db).sync()
    with db.connect() as conn:
        row = conn.execute(select(Participant.__table__).where(
            Participant.__table__.c.address == cast.supplier1.address)).one()
    assert (row.status, row.suspended_reason) == (int(ParticipantStatus.SUSPENDED), "KYC_REVIEW")


def test_event_log_is_keyed_by_transaction_and_log_index(chain: Chain, ledger: Ledger, cast: Cast,
                                                         db: Engine) -> None:
    event = cast.bank1.token.mint(cast.supplier1.address, 500, "ref")
    idx = indexer(chain, ledger.deployment, db)
    idx.sync()
    rows = dump(db)["event_log"]
    keys = [(r[3], r[4]) for r in rows]  # tx_hash, log_index
    assert len(keys) == len(set(keys))
    minted = [r for r in rows if r[7] == "DepositMinted" and event.to in r[9]]
    assert minted and minted[-1][5] == "SettlementToken"
    assert idx.sync() == chain.block_number  # a second sync finds nothing new and adds nothing
    assert dump(db)["event_log"] == rows


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_restart_after_crash_at_random_points_equals_fresh_reindex(
    chain: Chain, ledger: Ledger, cast: Cast, make_db: Callable[[], Engine], seed: int
) -> None:
    rng = random.Random(seed)
    token_activity(cast, rng, 4)
    registry_activity(cast)
    receivables_activity(ledger, cast)
    if seed % 2:
        warehouse_activity(ledger, cast)
    else:
        prepayment_activity(ledger, cast)
    crashed_db = make_db()
    crashes = 0
    points: set[str] = set()

    def fault(point: str) -> None:
        if rng.random() < 0.15:
            points.add(point)
            raise Crash(point)

    while True:  # each pass is a fresh process: a new indexer over the same database
        try:
            indexer(chain, ledger.deployment, crashed_db, fault=fault, window_initial=2, window_max=3,
                    finality_depth=8).sync()
            break
        except Crash:
            crashes += 1
            assert crashes < 500
    fresh = make_db()
    indexer(chain, ledger.deployment, fresh).sync()
    assert crashes > 0 and points
    assert dump(crashed_db) == dump(fresh)


def test_reorg_rolls_back_orphaned_blocks(chain: Chain, ledger: Ledger, cast: Cast,
                                          make_db: Callable[[], Engine]) -> None:
    db = make_db()
    # the orphaned branch is ~70 blocks deep: keep it unfinalized (anvil's own finalized tag lags 64 blocks)
    idx = indexer(chain, ledger.deployment, db, window_initial=4, finality="depth", finality_depth=500)
    token_activity(cast, random.Random(7), 3)
    idx.sync()
    fork_point = chain.snapshot()
    token_activity(cast, random.Random(8), 3)  # these blocks will be orphaned
    receivables_activity(ledger, cast)
    warehouse_activity(ledger, cast)
    cast.operator.registry.suspend(cast.supplier1.address, "ORPHANED")
    idx.sync()
    chain.revert(fork_point)
    token_activity(cast, random.Random(9), 2)  # a shorter competing branch
    idx.sync()
    assert idx.metrics.reorgs._value.get() >= 1
    fresh = make_db()
    indexer(chain, ledger.deployment, fresh).sync()
    assert dump(db) == dump(fresh)
    with db.connect() as conn:
        status = conn.execute(select(Participant.__table__.c.status).where(
            Participant.__table__.c.address == cast.supplier1.address)).scalar_one()
    assert status == int(ParticipantStatus.ACTIVE)


def test_revert_without_new_blocks_rolls_back_to_the_fork_point(chain: Chain, ledger: Ledger, cast: Cast,
                                                                make_db: Callable[[], Engine]) -> None:
    db = make_db()
    idx = indexer(chain, ledger.deployment, db)
    idx.sync()
    before = dump(db)
    fork_point = chain.snapshot()
    token_activity(cast, random.Random(3), 4)
    idx.sync()
    assert dump(db) != before
    chain.revert(fork_point)
    assert idx.step() is Step.RETRY  # the rollback
    idx.sync()
    assert dump(db) == before


def test_halts_when_node_head_falls_behind_a_final_block(chain: Chain, ledger: Ledger, cast: Cast,
                                                         db: Engine) -> None:
    idx = indexer(chain, ledger.deployment, db, finality="depth", finality_depth=2)
    fork_point = chain.snapshot()
    token_activity(cast, random.Random(4), 6)
    idx.sync()
    chain.revert(fork_point)
    before = dump(db)
    with pytest.raises(IndexerHalted, match="final"):
        idx.step()
    assert idx.status.status == "halted"
    assert dump(db) == before  # history was not rewritten


def test_halts_when_a_reorg_reaches_below_the_final_block(chain: Chain, ledger: Ledger, cast: Cast,
                                                          db: Engine) -> None:
    idx = indexer(chain, ledger.deployment, db, finality="depth", finality_depth=2)
    fork_point = chain.snapshot()
    token_activity(cast, random.Random(5), 4)
    idx.sync()
    chain.revert(fork_point)
    token_activity(cast, random.Random(6), 8)  # longer competing branch: the head is past the final block
    with pytest.raises(IndexerHalted, match="below block"):
        idx.step()


def test_change_log_is_pruned_once_blocks_are_final(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> None:
    from gateway.models.indexer import ChangeLog, IndexedBlock

    idx = indexer(chain, ledger.deployment, db, finality="depth", finality_depth=3)
    token_activity(cast, random.Random(2), 8)
    idx.sync()
    with db.connect() as conn:
        changed = [r.block_number for r in conn.execute(select(ChangeLog.__table__))]
        blocks = [r.number for r in conn.execute(select(IndexedBlock.__table__))]
    head = chain.block_number
    assert changed and min(changed) > head - 3
    assert min(blocks) == head - 3 and max(blocks) == head


def test_confirmations_hold_back_the_newest_blocks(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> None:
    token_activity(cast, random.Random(2), 3)
    idx = indexer(chain, ledger.deployment, db, confirmations=2)
    assert idx.sync() == chain.block_number - 2


def test_roles_of_new_participants_are_indexed(chain: Chain, ledger: Ledger, cast: Cast, db: Engine) -> None:
    newcomer = chain.new_account()
    cast.operator.registry.admit(newcomer.address, [Role.SUPPLIER, Role.DISTRIBUTOR], "identity:new",
                                 chain.now() + 86_400)
    indexer(chain, ledger.deployment, db).sync()
    with db.connect() as conn:
        roles = conn.execute(select(Participant.__table__.c.roles).where(
            Participant.__table__.c.address == newcomer.address)).scalar_one()
    assert roles == roles_to_mask([Role.SUPPLIER, Role.DISTRIBUTOR])


def test_reading_rows_ahead_gives_the_same_index_as_row_by_row_lookups(
    chain: Chain, ledger: Ledger, cast: Cast, make_db: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's read-ahead (discovery passes, then one query per table), its row cache across batches (complete
    when it starts from an empty index) and its multi-row writes must build exactly the database that row-by-row
    lookups build, on SQLite and on PostgreSQL alike."""
    import gateway.indexer.store as store

    token_activity(cast, random.Random(3), 6)
    registry_activity(cast)
    receivables_activity(ledger, cast)
    warehouse_activity(ledger, cast)
    prepayment_activity(ledger, cast)
    monkeypatch.setattr(store, "DISCOVER_MIN_RECORDS", 1)
    read_ahead: list[int] = []
    fetch_many = store.UnitOfWork.fetch_many

    def counted(self: store.UnitOfWork, wanted: Any) -> Any:
        found = fetch_many(self, wanted)
        read_ahead.append(len(found))
        return found

    monkeypatch.setattr(store.UnitOfWork, "fetch_many", counted)
    dumps = []
    for ahead, cache in ((True, 0), (False, 0), (None, 100_000)):
        db = make_db()
        ix = indexer(chain, ledger.deployment, db, window_initial=5, window_max=5)
        ix.store.read_ahead = ahead
        ix.store.cache_rows = cache
        ix.sync()
        dumps.append(dump(db))
    assert dumps[0] == dumps[1] == dumps[2]
    assert dumps[0]["checkpoint"][2] > 50  # events indexed
    assert sum(read_ahead) > 20  # rows really were read ahead (then, with read_ahead off, never)
