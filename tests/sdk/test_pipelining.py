"""Pipelined sending: fast signing and encoding equal the reference libraries byte for byte; send_many and
wait_all keep order and surface reverts as typed errors."""

from __future__ import annotations

import random

import pytest
from eth_account import Account
from eth_utils import to_checksum_address
from web3._utils.method_formatters import receipt_formatter
from web3.datastructures import AttributeDict

from sdk import Ledger, Role, TransferRestriction, connect
from sdk._signing import sign_transaction
from sdk.chain import ANVIL_DEV_KEYS, RpcChain, TxRequest, format_receipt
from sdk.errors import SettlementTransferRestricted
from sdk.registry import identity_hash, reason_code
from tests.conftest import Cast


def _random_tx(rng: random.Random) -> dict[str, object]:
    tx: dict[str, object] = {
        "chainId": rng.choice([1, 31337, 131277322940537]),
        "nonce": rng.randrange(2**40),
        "gas": rng.randrange(21_000, 30_000_000),
        "value": rng.choice([0, rng.randrange(2**100)]),
        "data": "0x" + rng.randbytes(rng.randrange(0, 400)).hex(),
        "maxFeePerGas": rng.randrange(1, 10**13),
        "maxPriorityFeePerGas": rng.randrange(0, 10**10),
    }
    if rng.random() < 0.9:  # else a contract creation
        tx["to"] = to_checksum_address("0x" + rng.randbytes(20).hex())
    return tx


def test_fast_signing_equals_eth_account_byte_for_byte() -> None:
    rng = random.Random(6)
    for _ in range(5):
        acct = Account.from_key(rng.randbytes(32))
        for _ in range(12):
            tx = _random_tx(rng)
            assert sign_transaction(acct, tx) == bytes(acct.sign_transaction(tx).raw_transaction)


def test_fast_signing_falls_back_for_legacy_gas_price() -> None:
    acct = Account.from_key(ANVIL_DEV_KEYS[3])
    tx = {"chainId": 1, "nonce": 7, "gas": 50_000, "gasPrice": 10**9, "value": 1, "data": "0x",
          "to": to_checksum_address("0x" + "ab" * 20)}
    assert sign_transaction(acct, tx) == bytes(acct.sign_transaction(tx).raw_transaction)


def test_fast_encoding_equals_web3(ledger: Ledger, cast: Cast) -> None:
    registry, token = cast.operator.registry, cast.bank1.token
    calls = [
        (token, "transfer", (cast.supplier1.address, 12_345)),
        (token, "mint", (cast.supplier2.address, 1, reason_code("dep-7"))),
        (registry, "admit", (cast.outsider.address, 0b1010, identity_hash("x"), 2**40)),
        (registry, "suspend", (cast.supplier3.address, reason_code("kyc"))),
    ]
    for wrapper, fn, args in calls:
        assert wrapper._encode(fn, *args) == wrapper.contract.encode_abi(fn, list(args))


def test_send_many_pipelines_transfers_in_order(ledger: Ledger, cast: Cast) -> None:
    chain = ledger.chain
    before = ledger.token.balance_of(cast.supplier1.address).units
    requests = [cast.bank1.token.build_tx("transfer", cast.supplier1.address, 100 + i, gas=120_000)
                for i in range(6)]
    pending = chain.send_many(requests)
    assert [p.nonce for p in pending] == list(range(pending[0].nonce, pending[0].nonce + 6))
    receipts = chain.wait_all(pending)
    assert [r["transactionHash"].to_0x_hex() for r in receipts] == [p.tx_hash for p in pending]
    assert all(r["status"] == 1 for r in receipts)
    assert ledger.token.balance_of(cast.supplier1.address).units == before + sum(100 + i for i in range(6))


def test_send_many_raises_the_decoded_revert_of_a_failed_transaction(ledger: Ledger, cast: Cast) -> None:
    chain = ledger.chain
    requests = [
        cast.bank1.token.build_tx("transfer", cast.supplier1.address, 1, gas=120_000),
        cast.bank1.token.build_tx("transfer", cast.outsider.address, 1, gas=120_000),
    ]
    with pytest.raises(SettlementTransferRestricted) as info:
        chain.wait_all(chain.send_many(requests))  # the embedded chain refuses at submission, a node at mining
    assert info.value.to == cast.outsider.address
    assert info.value.reason == TransferRestriction.RECIPIENT_NOT_REGISTERED
    assert info.value.function == "SettlementToken.transfer"
    # nonces stay usable after the failure
    cast.bank1.token.transfer(cast.supplier2.address, 5)


def test_format_receipt_equals_web3_on_a_node(own_anvil: str) -> None:
    chain = connect(own_anvil)
    assert isinstance(chain, RpcChain)
    operator = Account.from_key(ANVIL_DEV_KEYS[0])
    bank = Account.create()
    chain.fund(bank.address, 10**20)
    ledger = Ledger.deploy(chain, operator)
    ledger.as_party(operator).registry.admit(bank.address, [Role.BANK], "bank", chain.now() + 10**6)
    ledger.as_party(operator).token.set_mint_allowance(bank.address, 500)
    ledger.as_party(bank).token.mint(bank.address, 500)
    checked = 0
    for number in range(ledger.deployment.block, chain.block_number + 1):
        for tx_hash in chain.w3.eth.get_block(number)["transactions"]:
            raw = chain.rpc.request("eth_getTransactionReceipt", [tx_hash.to_0x_hex()])
            mine, reference = format_receipt(raw), AttributeDict.recursive(receipt_formatter(raw))
            assert mine == reference
            assert {k: type(v) for k, v in mine.items()} == {k: type(v) for k, v in reference.items()}
            checked += 1
    assert checked >= 5  # two deployments, an admission, a mint allowance and a mint with logs


def test_send_many_on_a_node_submits_everything_before_waiting(own_anvil: str) -> None:
    chain = connect(own_anvil)
    sender, receiver = Account.create(), Account.create()
    chain.fund(sender.address, 10**20)
    pending = chain.send_many(TxRequest(sender, receiver.address, b"", gas=21_000, value=1) for _ in range(25))
    chain.wait_all(pending)
    assert chain.w3.eth.get_balance(receiver.address) == 25


def test_revert_forgets_cached_fees_that_the_restored_base_fee_would_outbid(ledger: Ledger, cast: Cast) -> None:
    chain = ledger.chain
    snap = chain.snapshot()
    chain.mine(60)  # empty blocks: the base fee falls by 1/8 each (anvil keeps the fallen fee after a revert)
    chain._fees = None
    chain.fee_params()  # cached at the fallen base fee
    chain.revert(snap)
    event = cast.bank1.token.transfer(cast.supplier1.address, 1)  # the embedded chain refused the stale fee
    assert event.value == 1


def test_in_flight_window_still_delivers_every_transaction(own_anvil: str) -> None:
    chain = connect(own_anvil)
    assert isinstance(chain, RpcChain)
    chain.max_in_flight = 2
    sender, receiver = Account.create(), Account.create()
    chain.fund(sender.address, 10**20)
    pending = chain.send_many(TxRequest(sender, receiver.address, b"", gas=21_000, value=1) for _ in range(12))
    assert [r["status"] for r in chain.wait_all(pending)] == [1] * 12
    assert chain.w3.eth.get_balance(receiver.address) == 12


def test_a_transaction_left_pending_on_anvil_gets_mined() -> None:
    from sdk.anvil import AnvilNode

    with AnvilNode(extra_args=["--no-mining"]) as node:  # nothing is mined unless asked: the worst case
        chain = connect(node.url)
        assert isinstance(chain, RpcChain) and chain.stall_nudge_after is not None
        sender, receiver = Account.from_key(ANVIL_DEV_KEYS[1]), Account.create()
        pending = chain.send_many(TxRequest(sender, receiver.address, b"", gas=21_000, value=5) for _ in range(3))
        assert [r["status"] for r in chain.wait_all(pending, timeout=20)] == [1, 1, 1]
        single = chain.send(sender, receiver.address, b"", gas=21_000, value=1)
        assert chain.wait(single, timeout=20)["status"] == 1
        assert chain.w3.eth.get_balance(receiver.address) == 16


def test_send_batched_registrations_by_many_suppliers_take_their_ids_from_receipts(ledger: Ledger, cast: Cast
                                                                                   ) -> None:
    """Independent registrations in JSON-RPC batches: every one is mined, and each id is read from its receipt
    (a node need not keep a batch's order, so ids are never assumed from the submission order)."""
    from sdk.contracts import tx_result
    from sdk.generated.events import ReceivableRegistered
    from sdk.receivables import document_hash

    chain = ledger.chain
    suppliers = [cast.supplier1, cast.supplier2, cast.supplier3]
    due = chain.now() + 90 * 86_400
    requests = [suppliers[i % 3].receivables.build_tx("register", cast.core.address, 1_000_00 + i, due,
                                                      document_hash(f"batched {i}"), bytes(32), gas=400_000)
                for i in range(30)]
    pending = chain.send_batched(requests, batch_size=7)
    receipts = chain.wait_all(pending)
    events = [tx_result(r).one(ReceivableRegistered) for r in receipts]
    assert [e.face_value for e in events] == [1_000_00 + i for i in range(30)]  # receipt i is transaction i's
    assert [e.supplier for e in events] == [suppliers[i % 3].address for i in range(30)]
    assert len({e.root_id for e in events}) == 30
    for event in events:
        assert ledger.receivables.get_receivable(event.root_id).face_value == event.face_value
    with pytest.raises(ValueError, match="batch_size"):
        chain.send_batched(requests, batch_size=0)


def test_send_batched_raises_a_refusal_and_forgets_nonces(own_anvil: str) -> None:
    chain = connect(own_anvil)
    assert isinstance(chain, RpcChain)
    sender, receiver, poor = Account.create(), Account.create(), Account.create()
    chain.fund(sender.address, 10**20)
    requests = [TxRequest(sender, receiver.address, b"", gas=21_000, value=1) for _ in range(3)]
    requests.append(TxRequest(poor, receiver.address, b"", gas=21_000, value=1, description="unfunded transfer"))
    with pytest.raises(Exception, match="unfunded transfer") as info:
        chain.send_batched(requests, batch_size=10)
    assert "insufficient funds" in str(info.value).lower()
    chain.wait_all(chain.send_batched([TxRequest(sender, receiver.address, b"", gas=21_000, value=1)]))
    assert chain.w3.eth.get_balance(receiver.address) == 4  # the three sent before the refusal, then one more
