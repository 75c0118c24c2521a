"""Reverting to a snapshot also reverts the base fee, so the fee cache must not outlive the revert."""

from __future__ import annotations

from sdk import Ledger
from sdk.chain import Chain


def test_a_transaction_after_reverting_past_many_empty_blocks_is_accepted(ledger: Ledger, chain: Chain) -> None:
    sender = chain.new_account()
    snap = chain.snapshot()
    for _ in range(30):  # empty blocks: the base fee decays by 1/8 each
        chain.increase_time(86_400)
    chain._fees = None  # as if the 30 s cache had just expired: the next fees are priced at this low base fee
    low = chain.fee_params()["maxFeePerGas"]
    chain.revert(snap)
    base = int(chain.w3.eth.get_block("latest")["baseFeePerGas"])
    assert low < base  # a cached fee from before the revert would be refused
    receipt = chain.transact(sender, sender.address, b"", gas=21_000, value=1, description="self-send")
    assert receipt["status"] == 1
