"""Chain backends and the Ledger entry points, on whichever backend the suite runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_abi import encode

from sdk import Ledger, connect
from sdk.errors import (
    ChainConnectionError,
    DeploymentError,
    LedgerValueError,
    Panic,
    RevertString,
    SettlementTransferRestricted,
    UnknownRevert,
    decode_revert,
)
from sdk.ledger import Deployment
from tests.conftest import INITIAL_BALANCE, Cast


def test_unreachable_rpc_url_raises_connection_error_naming_url() -> None:
    with pytest.raises(ChainConnectionError) as err:
        connect("http://127.0.0.1:9")
    assert err.value.url == "http://127.0.0.1:9"
    assert "http://127.0.0.1:9" in str(err.value)


def test_snapshot_revert_restores_state_and_nonces(ledger, cast: Cast, chain) -> None:
    snap = chain.snapshot()
    cast.supplier1.token.transfer(cast.supplier2.address, 1_00)
    assert ledger.token.balance_of(cast.supplier2.address).units == INITIAL_BALANCE + 1_00
    chain.revert(snap)
    assert ledger.token.balance_of(cast.supplier2.address).units == INITIAL_BALANCE
    cast.supplier1.token.transfer(cast.supplier2.address, 2_00)  # nonce re-synced after the revert
    assert ledger.token.balance_of(cast.supplier2.address).units == INITIAL_BALANCE + 2_00


def test_increase_time_moves_block_time_forward(ledger, chain) -> None:
    before = chain.now()
    after = chain.increase_time(30 * 86_400)
    assert after >= before + 30 * 86_400
    with pytest.raises(LedgerValueError):
        chain.increase_time(0)


def test_mine_adds_blocks(ledger, chain) -> None:
    start = chain.block_number
    chain.mine(3)
    assert chain.block_number == start + 3


def test_pipelined_sends_use_local_consecutive_nonces(ledger, cast: Cast, chain) -> None:
    token = ledger.token
    data = token.contract.encode_abi("transfer", [cast.supplier2.address, 1])
    pending = [chain.send(cast.supplier1.account, token.address, data, gas=100_000) for _ in range(5)]
    assert [p.nonce for p in pending] == list(range(pending[0].nonce, pending[0].nonce + 5))
    receipts = chain.wait_all(pending)
    assert all(r["status"] == 1 for r in receipts)
    assert token.balance_of(cast.supplier2.address).units == INITIAL_BALANCE + 5


def test_mined_revert_is_decoded_from_replay(ledger, cast: Cast, chain) -> None:
    token = ledger.token
    data = token.contract.encode_abi("transfer", [cast.outsider.address, 1])
    pending = chain.send(cast.supplier1.account, token.address, data, gas=100_000)  # no pre-flight: it is mined
    with pytest.raises(SettlementTransferRestricted) as err:
        chain.wait(pending)
    assert err.value.tx_hash == pending.tx_hash


def test_deployment_round_trips_through_json_file(ledger, chain, tmp_path) -> None:
    path = ledger.save(tmp_path / "deployment.json")
    again = Ledger.connect(chain, path)
    assert again.deployment == ledger.deployment
    assert again.token.decimals() == 2


def test_connect_rejects_missing_file_and_foreign_chain(ledger, chain, tmp_path) -> None:
    with pytest.raises(DeploymentError, match="not found"):
        Ledger.connect(chain, tmp_path / "nope.json")
    data = ledger.deployment.to_json() | {"chain_id": 1}
    with pytest.raises(DeploymentError, match="chain id 1"):
        Ledger.connect(chain, data)
    with pytest.raises(DeploymentError, match="malformed"):
        Ledger.connect(chain, {"chain_id": chain.chain_id})


def test_connect_rejects_addresses_without_code(ledger, chain) -> None:
    contracts = dict(ledger.deployment.contracts, SettlementToken="0x" + "22" * 20)
    bad = Deployment(chain.chain_id, 0, contracts, ledger.deployment.operator)
    with pytest.raises(DeploymentError, match="no contract code for SettlementToken"):
        Ledger.connect(chain, bad)


def test_as_party_rejects_bad_key_without_echoing_it(ledger) -> None:
    with pytest.raises(LedgerValueError) as err:
        ledger.as_party("0xnotakey-secret")
    assert "secret" not in str(err.value)


def test_party_repr_never_shows_the_key(cast: Cast) -> None:
    key_hex = cast.bank1.account.key.hex()
    assert key_hex not in repr(cast.bank1)


def test_read_only_handle_refuses_to_sign(ledger, cast: Cast) -> None:
    with pytest.raises(LedgerValueError, match="read-only"):
        ledger.token.transfer(cast.supplier1.address, 1)


def test_decode_revert_handles_builtin_errors() -> None:
    assert decode_revert(bytes.fromhex("08c379a0") + encode(["string"], ["boom"])).message == "boom"  # type: ignore[attr-defined]
    panic = decode_revert(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]))
    assert isinstance(panic, Panic) and "overflow" in str(panic)
    assert isinstance(decode_revert(b"\xde\xad\xbe\xef"), UnknownRevert)
    assert isinstance(decode_revert(bytes.fromhex("08c379a0") + b"\x00"), UnknownRevert)
    assert isinstance(decode_revert(bytes.fromhex("08c379a0") + encode(["string"], ["x"])), RevertString)


def test_send_recovers_when_cached_fee_cap_falls_below_base_fee(ledger, cast: Cast, chain) -> None:
    assert "maxFeePerGas" in chain.fee_params()  # both test backends price gas with an EIP-1559 base fee
    chain._fees = (float("inf"), {"maxFeePerGas": 1, "maxPriorityFeePerGas": 1})  # a stale, too-low cap
    event = cast.supplier1.token.transfer(cast.supplier2.address, 1)
    assert event.value == 1
    assert chain.fee_params()["maxFeePerGas"] > 1


def test_anvil_restarted_from_state_after_time_travel_keeps_time_moving_forward(tmp_path: Path) -> None:
    from sdk.anvil import AnvilNode

    state = tmp_path / "state.json"
    with AnvilNode(state=state) as node:
        chain = connect(node.url)
        travelled = chain.increase_time(30 * 86_400)
    with AnvilNode(state=state) as node:
        chain = connect(node.url)
        assert chain.now() == travelled
        chain.mine()
        assert chain.now() > travelled  # not stamped with wall time, behind its parent
        assert chain.increase_time(86_400) >= travelled + 86_400
