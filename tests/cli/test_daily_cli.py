"""Daily use on a node: list commands, `scf inbox` and `scf statement`, read from the gateway and from the chain.

One ledger on the test node carries the gateway tests' receivables, warehouse and prepayment activity; a gateway
follows it. Every party's rows must be the same from both sources, and change as the ledger moves.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from sdk import Ledger, Party, connect
from sdk.chain import Chain
from sdk.cli import app, views
from sdk.cli.api import gateway_request
from tests.cli.test_gateway_cli import serving
from tests.conftest import CAST_ROLES, INITIAL_BALANCE, MINT_ALLOWANCE, YEAR, Cast
from tests.conftest import test_key as key_of
from tests.contracts.receivables_support import DAY, new_root
from tests.gateway.scenarios import (
    credit_activity,
    prepayment_activity,
    receivables_activity,
    warehouse_activity,
)

LISTS = {  # kind -> the command that lists it
    "receivable": ["receivable", "list"], "fragment": ["receivable", "fragments"],
    "offer": ["receivable", "offers"], "discount": ["receivable", "discounts"], "receipt": ["receipt", "list"],
    "loan": ["receipt", "loans"], "program": ["receipt", "program", "list"], "prepayment": ["prepayment", "list"],
    "credit-line": None,  # `scf credit-line list` has its own columns (interest accrued today)
}


@dataclass
class World:
    chain: Chain
    ledger: Ledger
    cast: Cast
    deployment: Path
    url: str
    config: Path
    ids: dict[str, int]


def _cast(chain: Chain) -> tuple[Ledger, Cast]:
    """The standard cast of tests/conftest.py, on this node."""
    operator = key_of("operator")
    chain.fund(operator.address, 10**22)
    ledger = Ledger.deploy(chain, operator)
    op = ledger.as_party(operator)
    parties: dict[str, Party] = {"operator": op}
    for name in [*CAST_ROLES, "outsider"]:
        key = key_of(name)
        chain.fund(key.address, 10**22)
        parties[name] = ledger.as_party(key)
        if name in CAST_ROLES:
            op.registry.admit(key.address, CAST_ROLES[name], f"identity:{name}", chain.now() + 5 * YEAR)
    for bank in ("bank1", "bank2"):
        op.token.set_mint_allowance(parties[bank].address, MINT_ALLOWANCE)
    for name in ["core", "core2", "supplier1", "supplier2", "supplier3", "distributor", "bank1", "bank2"]:
        parties["bank1"].token.mint(parties[name].address, INITIAL_BALANCE, "opening")
    return ledger, Cast(**parties)


@pytest.fixture(scope="module")
def world(own_anvil: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    chain = connect(own_anvil)
    snapshot, started = chain.snapshot(), chain.now()  # the node is shared: leave it as found, time included
    ledger, cast = _cast(chain)
    ids = {**credit_activity(ledger, cast), **receivables_activity(ledger, cast),  # credit first: it moves time
           **warehouse_activity(ledger, cast), **prepayment_activity(ledger, cast)}
    from tests.contracts.credit_support import Desk

    ids["offered_line"] = Desk(ledger, cast).offer()  # waits for supplier1 to accept
    tmp = tmp_path_factory.mktemp("daily")
    deployment = ledger.save(tmp / "deployment.json")
    try:
        with serving(own_anvil, deployment, tmp) as url:
            yield World(chain, ledger, cast, deployment, url, tmp / "config", ids)
    finally:
        chain.revert(snapshot)
        assert chain.now() < started + 3_600, "the node's clock stayed ahead after the revert"


def synced(world: World) -> None:
    """Wait until the gateway has indexed the node's head."""
    head = world.chain.block_number
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if httpx.get(f"{world.url}/health", timeout=5).json()["indexed_head"] >= head:
            return
        time.sleep(0.2)
    pytest.fail(f"the gateway did not index block {head} within 60 s")


@contextmanager
def signed_in(world: World, name: str) -> Iterator[str]:
    """Sign `name` in to the gateway (its own config directory); yields its address."""
    party = getattr(world.cast, name)
    saved = {k: os.environ.get(k) for k in ("SCF_CONFIG_DIR", "SCF_TEST_DAILY_KEY")}
    os.environ["SCF_CONFIG_DIR"] = str(world.config / name)
    os.environ["SCF_TEST_DAILY_KEY"] = party.account.key.hex()
    try:
        if not (world.config / name / "tokens.json").exists():
            result = CliRunner().invoke(app, ["gateway", "login", "--url", world.url, "--key-env",
                                              "SCF_TEST_DAILY_KEY"])
            assert result.exit_code == 0, result.output
        yield party.address
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(world: World, *args: str, source: str, party: str, code: int = 0) -> Any:
    """`scf ARGS --json` from the chain (viewing as `party`) or from the gateway (signed in as `party`)."""
    where = ["--url", world.url] if source == "gateway" else \
        ["--rpc", world.chain.url, "--deployment", str(world.deployment), "--party",
         getattr(world.cast, party).address]
    if source == "gateway":
        with signed_in(world, party):
            result = CliRunner().invoke(app, [*args, *where, "--json"], env={"SCF_GATEWAY_URL": None})
    else:
        result = CliRunner().invoke(app, [*args, *where, "--json"], env={"SCF_GATEWAY_URL": None})
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 else result.stderr


def run_table(world: World, *args: str, party: str) -> str:
    """`scf ARGS` as a table, from the chain, viewing as `party`."""
    result = CliRunner().invoke(app, [*args, "--rpc", world.chain.url, "--deployment", str(world.deployment),
                                      "--party", getattr(world.cast, party).address], env={"SCF_GATEWAY_URL": None})
    assert result.exit_code == 0, result.output
    return result.stdout


def both(world: World, name: str) -> tuple[views.Source, views.Source]:
    """The chain and the gateway as sources for `name` (the gateway signed in as it)."""
    synced(world)
    with signed_in(world, name):
        gw = views.GatewaySource(world.url, gateway_request)
    return views.ChainSource(world.ledger, getattr(world.cast, name).address), gw


def rows(world: World, name: str, source: views.Source, kind: str) -> list[views.Item]:
    with signed_in(world, name):
        return views.items(source, kind)


NAMES = ["core", "core2", "supplier1", "supplier2", "supplier3", "distributor", "bank1", "bank2", "warehouse"]


# ---------------------------------------------------------------------------------------------- lists
def test_every_partys_rows_are_the_same_from_the_gateway_and_the_chain(world: World) -> None:
    seen = 0
    for name in NAMES:
        chain, gateway = both(world, name)
        for kind in views.KINDS:
            from_chain = rows(world, name, chain, kind)
            from_gateway = rows(world, name, gateway, kind)
            assert from_chain == from_gateway, (name, kind)
            seen += len(from_chain)
    assert seen > 40  # the scenario gives every kind rows, for several parties
    deal = world.ids["deal"]  # delivered, two of three instalments repaid: the contract's next instalment
    agreement, expected = world.ledger.prepayment.get_agreement(deal), world.ledger.prepayment.next_instalment(deal)
    plan = [(x.due_date, x.principal) for x in world.ledger.prepayment.get_schedule(deal)]
    assert expected is not None
    assert views.next_instalment(plan, agreement.principal_repaid) == (expected.due_date, expected.principal_due)
    [row] = [i for i in rows(world, "distributor", both(world, "distributor")[1], "prepayment") if i.id == int(deal)]
    assert row.due == expected.due_date


def test_list_commands_print_the_same_json_from_both_sources(world: World) -> None:
    synced(world)
    for kind, command in LISTS.items():
        if command is None:
            continue
        for name in ("supplier2", "bank1", "distributor"):
            assert run(world, *command, source="chain", party=name) == \
                run(world, *command, source="gateway", party=name), (kind, name)
    supplier2 = run(world, "receivable", "fragments", source="chain", party="supplier2")["data"]
    assert supplier2 and all(r["role"] in ("holder", "debtor") for r in supplier2)
    first = supplier2[0]
    assert first["amount"]["amount"].endswith(first["amount"]["amount"][-3:]) and "." in first["amount"]["amount"]
    assert first["due"].endswith("Z") and isinstance(first["id"], int)  # dates readable, fragment ids as integers
    table = run_table(world, "receivable", "fragments", party="supplier2")
    root, index = first["id"] >> 16, first["id"] & 0xFFFF
    assert f"{root}.{index}" in table  # and as ROOT.INDEX in the table


def test_filters_narrow_the_rows_the_same_way_on_both_sources(world: World) -> None:
    core = world.cast.core.address
    for source in ("chain", "gateway"):
        financed = run(world, "receivable", "fragments", "--status", "financed", source=source, party="bank1")
        assert financed["data"] and {r["status"] for r in financed["data"]} == {"financed"}
        owed = run(world, "receivable", "list", "--role", "debtor", source=source, party="core")
        assert owed["data"] and {r["role"] for r in owed["data"]} == {"debtor"}
        mine = run(world, "receivable", "fragments", "--counterparty", core, source=source, party="supplier3")
        assert mine["data"] and {r["counterparty"] for r in mine["data"]} == {core}
        due = owed["data"][0]["due_at"]
        day = datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%d")
        after = run(world, "receivable", "list", "--due-after", day, source=source, party="core")["data"]
        before = run(world, "receivable", "list", "--due-before", day, source=source, party="core")["data"]
        assert all(r["due_at"] >= due - DAY for r in after) and all(r["due_at"] <= due + DAY for r in before)
        assert {r["id"] for r in after} | {r["id"] for r in before} == \
            {r["id"] for r in run(world, "receivable", "list", source=source, party="core")["data"]}
        sent = run(world, "receivable", "offers", "--role", "sender", source=source, party="supplier2")["data"]
        assert sent and {r["role"] for r in sent} == {"sender"}
    bad = run(world, "receivable", "list", "--status", "lost", source="chain", party="core", code=1)
    assert "--status 'lost' is not one of a receivable's: registered, confirmed" in bad
    when = run(world, "receivable", "list", "--due-after", "31/03", source="chain", party="core", code=1)
    assert "write YYYY-MM-DD" in when


def test_filters_sent_to_the_gateway_give_what_the_chain_gives(world: World) -> None:
    bank1 = world.cast.bank1.address
    for name, args in (
            ("bank1", ["receivable", "fragments", "--status", "financed", "--status", "paid", "--role",
                       "holder"]),
            ("core", ["receivable", "list", "--role", "debtor", "--min-amount", "50000", "--max-amount",
                      "1000000"]),
            ("distributor", ["receipt", "loans", "--counterparty", bank1, "--status", "repaid"]),
            ("distributor", ["prepayment", "list", "--role", "buyer", "--status", "delivered", "--status",
                             "cancelled", "--min-amount", "1"]),
            ("bank1", ["receivable", "discounts", "--role", "bank", "--max-amount", "100000000"])):
        from_gateway = run(world, *args, source="gateway", party=name)
        assert from_gateway == run(world, *args, source="chain", party=name), args
        assert from_gateway["data"], args
    # the gateway answers only the rows asked for: the same query straight to the route
    with signed_in(world, "core"):
        core = world.cast.core.address
        body = gateway_request(world.url, "GET", "/v1/receivables", "receivables",
                               params={"debtor": core, "min_units": 50_000_00, "max_units": 1_000_000_00,
                                       "limit": 500})
    listed = run(world, "receivable", "list", "--role", "debtor", "--min-amount", "50000", "--max-amount",
                 "1000000", source="gateway", party="core")
    assert [r["id"] for r in body["data"]] == [r["id"] for r in listed["data"]]
    assert all(r["debtor"] == core and 50_000_00 <= r["face_units"] <= 1_000_000_00 for r in body["data"])
    bad = run(world, "receipt", "list", "--min-amount", "5", source="chain", party="warehouse", code=1)
    assert "a receipt has no amount to compare" in bad


def test_a_list_without_a_party_says_how_to_name_one(world: World) -> None:
    result = CliRunner().invoke(app, ["receivable", "list", "--rpc", world.chain.url, "--deployment",
                                      str(world.deployment)], env={"SCF_GATEWAY_URL": None})
    assert result.exit_code == 1
    assert "whose view? sign with --keystore FILE" in result.stderr


# ---------------------------------------------------------------------------------------------- inbox
def _inbox(world: World, name: str) -> tuple[list[views.Action], list[views.Action]]:
    chain, gateway = both(world, name)
    now = world.chain.now()
    with signed_in(world, name):
        return views.inbox(chain, now), views.inbox(gateway, now)


def test_inbox_entries_appear_and_disappear_as_parties_act(world: World) -> None:
    cast, ids = world.cast, world.ids
    # the distributor has an offer to accept; core2 a receivable to confirm
    waiting = (("distributor", "offer", int(ids["offer"]), f"scf receivable accept {ids['offer']}"),
               ("core2", "receivable", int(ids["registered"]), f"scf receivable confirm {ids['registered']}"),
               ("supplier1", "credit-line", int(ids["offered_line"]), f"scf credit-line accept {ids['offered_line']}"))
    for name, kind, key, command in waiting:
        from_chain, from_gateway = _inbox(world, name)
        assert from_chain == from_gateway
        assert [a.command for a in from_chain if (a.kind, a.id) == (kind, key)] == [command]
        cli = run(world, "inbox", source="chain", party=name)
        assert command in [a["command"] for a in cli["data"]]
    # a new discount request waits for bank2 until it funds it
    cast.bank2.receivables.set_exposure_limit(cast.core.address, 1_000_000_00)
    _, fragment = new_root(cast, face=40_000_00, days=45, supplier=cast.supplier1)
    cast.supplier1.receivables.request_discount(fragment, cast.bank2.address, 600, with_recourse=False)
    label = views.fragment_label(fragment)
    from_chain, from_gateway = _inbox(world, "bank2")
    assert from_chain == from_gateway
    assert [a.command for a in from_chain if a.kind == "discount"] == [f"scf receivable discount {label}"]
    assert run(world, "inbox", source="gateway", party="bank2")["data"] == \
        run(world, "inbox", source="chain", party="bank2")["data"]
    cast.bank2.token.approve(world.ledger.receivables.address, 10**12)
    cast.bank2.receivables.discount(fragment)
    cast.distributor.receivables.reject_offer(ids["offer"])  # repayment has started: it can only be rejected
    cast.core2.receivables.confirm(ids["registered"])
    for name in ("bank2", "distributor", "core2"):
        from_chain, from_gateway = _inbox(world, name)
        assert from_chain == from_gateway
        assert not [a for a in from_chain if a.kind in ("discount", "offer") or
                    (a.kind, a.id) == ("receivable", int(ids["registered"])) and "confirm" in a.command], name
    # core2 now owes it: due in 60 days, so not in the inbox until a week before
    world.chain.increase_time(54 * DAY)
    world.chain.mine()
    from_chain, from_gateway = _inbox(world, "core2")
    assert from_chain == from_gateway
    assert [a.command for a in from_chain] == [f"scf receivable repay {ids['registered']} 20000.00"]
    # supplier1's credit line has a tranche long past due: it should repay, and its bank may declare a default
    for name, command in (("supplier1", f"scf credit-line repay {ids['line']} --all"),
                          ("bank1", f"scf credit-line default {ids['line']}")):
        from_chain, from_gateway = _inbox(world, name)
        assert from_chain == from_gateway
        assert command in [a.command for a in from_chain], name


# ---------------------------------------------------------------------------------------------- statement
def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def test_statement_running_balance_is_the_token_balance_change(world: World, tmp_path: Path) -> None:
    cast, chain = world.cast, world.chain
    chain.increase_time(2 * DAY)
    chain.mine()
    opening = world.ledger.token.balance_of(cast.supplier2.address).units
    start = chain.now()
    cast.supplier2.token.transfer(cast.supplier3.address, 1_234_56)
    cast.supplier1.token.transfer(cast.supplier2.address, 50_00)
    _, fragment = new_root(cast, face=30_000_00, days=30, supplier=cast.supplier2)
    closing = world.ledger.token.balance_of(cast.supplier2.address).units
    synced(world)
    period = ("statement", "--from", _day(start), "--to", _day(chain.now()))
    from_chain = run(world, *period, source="chain", party="supplier2")
    from_gateway = run(world, *period, source="gateway", party="supplier2")
    assert from_chain == from_gateway
    assert from_chain["opening_balance"]["units"] == opening
    assert from_chain["closing_balance"]["units"] == closing
    assert sum(line["money_units"] for line in from_chain["lines"]) == closing - opening == -1_234_56 + 50_00
    assert [line["balance_units"] for line in from_chain["lines"] if line["money_units"]] == \
        [opening - 1_234_56, opening - 1_234_56 + 50_00]
    claims = [line for line in from_chain["lines"] if line["claim_units"]]
    assert [(c["what"], c["claim_units"]) for c in claims] == \
        [(f"registered receivable {fragment >> 16}", 30_000_00)]
    # the whole history ends at the balance on chain
    everything = run(world, "statement", "--from", "2000-01-01", "--to", _day(chain.now()), source="chain",
                     party="supplier2")
    assert everything["opening_balance"]["units"] == 0 and everything["closing_balance"]["units"] == closing
    assert everything == run(world, "statement", "--from", "2000-01-01", "--to", _day(chain.now()), source="gateway",
                             party="supplier2")
    payouts = [line for line in everything["lines"] if line["what"] == "received from Receivables"]
    assert payouts and all(p["counterparty"] == "Receivables" and p["money_units"] > 0 for p in payouts)
    out = tmp_path / "statement.csv"
    result = CliRunner().invoke(app, [*period, "--csv", str(out), "--rpc", chain.url, "--deployment",
                                      str(world.deployment), "--party", cast.supplier2.address],
                                env={"SCF_GATEWAY_URL": None})
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [r["balance"] for r in written] == [line["balance"] for line in from_chain["lines"]]
    assert "opening balance" in result.stdout and "closing balance" in result.stdout
    backwards = CliRunner().invoke(app, ["statement", "--from", "2026-03-02", "--to", "2026-03-01"])
    assert backwards.exit_code == 1 and "--to 2026-03-01 is before --from 2026-03-02" in backwards.stderr


# ---------------------------------------------------------------------------------------------- token balance
def test_token_balance_without_an_address_shows_the_signers(world: World) -> None:
    os.environ["SCF_TEST_DAILY_KEY"] = world.cast.supplier3.account.key.hex()
    try:
        base = ["token", "balance", "--rpc", world.chain.url, "--deployment", str(world.deployment), "--json"]
        mine = CliRunner().invoke(app, [*base, "--key-env", "SCF_TEST_DAILY_KEY"])
        assert mine.exit_code == 0, mine.output
        [row] = json.loads(mine.stdout)["balances"]
        assert row["address"] == world.cast.supplier3.address
        assert row["balance"]["units"] == world.ledger.token.balance_of(world.cast.supplier3.address).units
        nobody = CliRunner().invoke(app, base)
        assert nobody.exit_code == 1 and "whose balance? name an ACCOUNT" in nobody.stderr
    finally:
        os.environ.pop("SCF_TEST_DAILY_KEY", None)


# ---------------------------------------------------------------------------------------------- margin calls
def test_a_loan_above_its_margin_call_line_waits_for_the_bank_then_for_the_borrower(world: World) -> None:
    from tests.contracts.warehouse_support import CU, terms

    cast, chain, program = world.cast, world.chain, world.ids["program"]

    def post(price: int) -> None:
        if chain.now() <= world.ledger.prices.get_feed(CU).observed_at:
            chain.increase_time(1)
        cast.feeder.prices.post_price(CU, price, chain.now())

    post(60_00)
    receipt = cast.warehouse.receipts.issue(cast.distributor.address, terms("GW-LOT-9"), 10_000).id
    loan = int(cast.distributor.loans.pledge(program, receipt, 400_000_00, chain.now() + 90 * DAY).loan_id)
    post(48_00)  # 400,000 / 480,000: above the 80% line, inside the price band
    from_chain, from_gateway = _inbox(world, "bank1")
    assert from_chain == from_gateway
    [call] = [a for a in from_chain if (a.kind, a.id) == ("loan", loan)]
    assert call.command == f"scf receipt margin-call {loan}" and "above the margin-call line 80.00%" in call.what
    cast.outsider.loans.call_margin(int(loan))
    assert not [a for a in _inbox(world, "bank1")[1] if (a.kind, a.id) == ("loan", loan)]
    from_chain, from_gateway = _inbox(world, "distributor")
    assert from_chain == from_gateway
    assert [a.command for a in from_chain if (a.kind, a.id) == ("loan", loan)] == [f"scf receipt repay {loan} all"]
    listed = run(world, "receipt", "loans", "--status", "margin-called", source="gateway", party="distributor")
    assert [r["id"] for r in listed["data"]] == [loan]
    assert listed == run(world, "receipt", "loans", "--status", "margin-called", source="chain", party="distributor")


def test_a_payout_to_claim_and_a_presented_receipt_wait_the_same_on_both_sources(world: World) -> None:
    from tests.contracts.warehouse_support import terms

    cast, ledger = world.cast, world.ledger
    root, fragment = new_root(cast, face=10_000_00, days=30, supplier=cast.supplier2)
    cast.core.token.approve(ledger.receivables.address, 10**12)
    cast.core.receivables.repay(root, 4_000_00)
    label = views.fragment_label(fragment)
    receipt = cast.warehouse.receipts.issue(cast.distributor.address, terms("CLI-LOT-P"), 300).id
    cast.distributor.receipts.present(receipt)
    for name, kind, key, command, amount in (
            ("supplier2", "fragment", fragment, f"scf receivable claim {label}", 4_000_00),
            ("warehouse", "receipt", receipt, f"scf receipt deliver {receipt}", None)):
        from_chain, from_gateway = _inbox(world, name)
        assert from_chain == from_gateway
        assert [(a.command, a.amount) for a in from_chain if (a.kind, int(a.id)) == (kind, key)] == [
            (command, amount)], name
        cli = run(world, "inbox", source="gateway", party=name)
        assert command in [a["command"] for a in cli["data"]]
    cast.outsider.receivables.claim(fragment)
    cast.warehouse.receipts.deliver(receipt)
    for name in ("supplier2", "warehouse"):
        from_chain, from_gateway = _inbox(world, name)
        assert from_chain == from_gateway
        assert not [a for a in from_chain if a.kind in ("fragment", "receipt")], name
