"""`scf credit` and `scf attest` against an in-process gateway: the CLI's gateway client is the test client, and
its signer is a party of the test ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.profile.credit import add_months, month_of
from sdk import Ledger, Party
from sdk.cli import api as gateway_api
from sdk.cli import attest
from sdk.cli.common import SigningOptions
from sdk.cli.main import app
from tests.conftest import Cast
from tests.gateway.api_fixtures import Api
from tests.gateway.test_profile_api import DAY, admit_provider, trade

URL = "http://gateway.test"


class Cli:
    def __init__(self, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
        self.api = api
        self.monkeypatch = monkeypatch
        self.runner = CliRunner()

    def run(self, who: Party, *args: str) -> tuple[int, str]:
        """Run `scf ARGS` signed in to the gateway as `who` and signing transactions as `who`."""
        token = self.api.login_response(who).json()
        gateway_api._save_token(URL, {"access_token": token["access_token"], "address": token["address"],
                                      "roles": token["roles"], "expires_at": token["expires_at"]})
        self.monkeypatch.setattr(SigningOptions, "party", lambda options: who)
        result = self.runner.invoke(app, list(args))
        return result.exit_code, result.output


@pytest.fixture()
def cli(api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Cli]:
    monkeypatch.setenv("SCF_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SCF_GATEWAY_URL", URL)
    monkeypatch.setattr(gateway_api, "_client", lambda url: nullcontext(api.client))
    monkeypatch.setattr(attest, "_pause", lambda seconds: api.sync())  # the indexer catches up between attempts
    yield Cli(api, monkeypatch)


def test_consent_profile_and_attestations_from_the_cli(cli: Cli, api: Api, ledger: Ledger, cast: Cast,
                                                       tmp_path: Path) -> None:
    s1, bank = cast.supplier1, cast.bank1
    trade(ledger, cast)
    provider = admit_provider(ledger, cast)
    api.sync()
    code, out = cli.run(bank, "credit", "profile", s1.address)
    assert code != 0 and "404" in out

    code, out = cli.run(s1, "credit", "consent", "grant", bank.address, "--days", "30", "--json")
    assert code == 0, out
    assert json.loads(out)["bank"] == bank.address
    api.sync()
    code, out = cli.run(bank, "credit", "profile", s1.address, "--json")
    assert code == 0, out
    p = json.loads(out)
    assert p["supplier"]["confirmed"] == 2 and p["scorecard_version"] == p["score"]["version"]
    code, out = cli.run(bank, "credit", "profile", s1.address)
    assert code == 0 and "Scorecard" in out and "repayment_record" in out and p["score"]["grade"] in out
    code, out = cli.run(bank, "credit", "consent", "list", "--json")
    assert [(c["owner"], c["live"]) for c in json.loads(out)["data"]] == [(s1.address, True)]

    month = add_months(month_of(ledger.chain.now()), -1)
    code, out = cli.run(provider, "attest", "post", s1.address, "ELEC_KWH", str(month), "48250",
                        "--openings-dir", str(tmp_path / "openings"), "--json")
    assert code == 0, out
    posted = json.loads(out)
    assert posted["uploaded"] is True
    saved = json.loads((tmp_path / "openings" / f"attestation-{posted['id']}.json").read_text())
    assert (saved["value"], saved["metric"], saved["period"]) == ("48250", "ELEC_KWH", month)
    code, out = cli.run(provider, "attest", "post", provider.address, "ELEC_KWH", str(month), "1",
                        "--no-upload")
    assert code != 0 and "AttestationSelfAttested" in out
    code, out = cli.run(bank, "attest", "list", s1.address, "--json")
    assert [(a["metric"], a["value"]) for a in json.loads(out)["data"]] == [("ELEC_KWH", "48250")]

    code, out = cli.run(s1, "credit", "consent", "revoke", bank.address)
    assert code == 0, out
    api.sync()
    code, out = cli.run(bank, "credit", "profile", s1.address)
    assert code != 0 and "404" in out


def test_bank_opens_a_line_from_the_profile_in_one_step(cli: Cli, api: Api, ledger: Ledger, cast: Cast) -> None:
    s1, bank = cast.supplier1, cast.bank1
    api.sync()
    code, out = cli.run(bank, "credit-line", "open", s1.address, "--from-profile", "--rate-bps", "900")
    assert code != 0 and "404" in out and len(out.strip().splitlines()) == 1, out  # no consent yet
    code, out = cli.run(s1, "credit", "consent", "grant", bank.address, "--days", "90")
    assert code == 0, out
    api.sync()
    code, out = cli.run(bank, "credit-line", "open", s1.address, "--from-profile", "--rate-bps", "900")
    assert code != 0 and "suggests no credit line (limit 0, grade E" in out, out  # nothing on record yet
    assert bank.credit_lines.line_count() == 0

    # twelve confirmed receivables from two core enterprises (1.2M in all), then some tenure: grade D, a limit
    due = ledger.chain.now() + 30 * DAY
    for n in range(12):
        (cast.core if n % 2 else cast.core2).receivables.issue(s1.address, 100_000_00, due, f"invoice-{n}")
    ledger.chain.travel_to(ledger.chain.now() + 45 * DAY)
    api.sync()
    p = json.loads(cli.run(bank, "credit", "profile", s1.address, "--json")[1])
    assert p["limit"]["units"] > 0, p

    code, out = cli.run(bank, "credit-line", "open", s1.address, "--from-profile")
    assert code != 0 and "--rate-bps" in out, out  # the profile suggests no rate
    code, out = cli.run(bank, "credit-line", "open", s1.address, "--from-profile", "--limit", "10", "--rate-bps", "9")
    assert code != 0 and "either --limit or --from-profile" in out, out
    assert bank.credit_lines.line_count() == 0

    code, out = cli.run(bank, "credit-line", "open", s1.address, "--from-profile", "--rate-bps", "900",
                        "--no-approve", "--json")
    assert code == 0, out
    opened = json.loads(out)
    assert opened["limit"]["units"] == p["limit"]["units"] and opened["rate_bps"] == 900
    assert (opened["limit_from"], opened["scorecard_version"], opened["score"], opened["grade"]) == (
        "credit profile", p["scorecard_version"], p["score"]["score"], p["score"]["grade"])
    line = bank.credit_lines.get_line(opened["id"])
    assert (line.borrower, line.limit, line.rate_bps) == (s1.address, p["limit"]["units"], 900)

    code, out = cli.run(bank, "credit-line", "open", s1.address, "--from-profile", "--rate-bps", "900",
                        "--no-approve")
    assert code == 0 and p["score"]["grade"] in out and "credit profile" in out and p["scorecard_version"] in out
