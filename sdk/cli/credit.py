"""`scf credit`: read a participant's credit profile from the gateway, and grant or revoke a bank's access to yours.

The profile comes from the gateway (sign in first with `scf gateway login`); consents are transactions on the chain,
so each grant and revocation is an auditable event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from sdk.cli import api as gateway_api
from sdk.cli.api import DEFAULT_GATEWAY_URL, GatewayUrlOpt
from sdk.cli.common import (
    JsonOpt,
    Output,
    ParticipantArg,
    SigningOptions,
    grouped,
    parse_address,
    signed,
)

app = typer.Typer(help="Credit profiles (from the gateway) and consents to share yours with a bank.",
                  no_args_is_help=True)
consent_app = typer.Typer(help="Grant, revoke and list banks' access to your credit profile.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")

BankArg = Annotated[str, typer.Argument(parser=parse_address, help="the bank's address (0x…)")]


def gateway_call(url: str, method: str, path: str, what: str, *, params: dict[str, Any] | None = None,
                 body: Any = None) -> Any:
    """Call the gateway with the token kept by `scf gateway login` for `url`; the JSON answer or a clear failure."""
    return gateway_api.gateway_request(url, method, path, what, params=params, body=body)


def _date(ts: int | None) -> str:
    return "-" if not ts else datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M UTC")


@app.command()
def profile(
    address: ParticipantArg,
    as_of: Annotated[int | None, typer.Option("--as-of", help="Unix seconds: the profile as it was then.",
                                              show_default=False)] = None,
    url: GatewayUrlOpt = DEFAULT_GATEWAY_URL,
    as_json: JsonOpt = False,
) -> None:
    """ADDRESS's credit profile: score, grade, the factors behind it and the suggested credit-line limit.

    You see your own; a bank sees one while it holds the owner's consent; the regulator sees all."""
    params = {"as_of": as_of} if as_of is not None else None
    p = gateway_call(url, "GET", f"/v1/participants/{address}/credit-profile", f"credit profile of {address}",
                     params=params)
    out = Output(as_json)
    if as_json:
        out.json(p)
        return
    s = p["score"]
    out.result({
        "participant": p["address"], "as of": _date(p["as_of"]), "scorecard": p["scorecard_version"],
        "score": f"{s['score']} / 1000", "grade": s["grade"], "moved most by": ", ".join(s["top_factors"]) or "-",
        "lowered by": ", ".join(s["lowered_by"]) or "-",
        "suggested limit": grouped(p["limit"]["units"]),
        "debtor on time": _ratio(p["debtor"]["on_time_ratio_bps"]),
        "worst days late": p["debtor"]["worst_days_late"],
        "months active": p["tenure"]["months_active"],
    }, title="Credit profile")
    out.print(out.table("Scorecard", ["factor", "points", "range", "why"],
                        [(f["name"], f["points"], f"{f['min']}..{f['max']}", f["reason"]) for f in s["factors"]]))
    out.print(f"limit rule: {p['limit']['rule']}")


def _ratio(bps: int | None) -> str:
    return "-" if bps is None else f"{bps / 100:.2f}%"


@consent_app.command("grant")
@signed
def grant(
    bank: BankArg,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Access lasts this many days.")] = 90,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Let BANK see your credit profile and attested data for --days days (replaces an earlier expiry)."""
    party = signing.party()
    ev = party.attestations.grant_consent(bank, party.ledger.chain.now() + days * 86_400)
    Output(as_json).result({"owner": ev.owner, "bank": ev.bank, "expires_at": ev.new_expires_at,
                            "expires": _date(ev.new_expires_at), "replaced_expiry": ev.old_expires_at or None},
                           title="Consent granted")


@consent_app.command("revoke")
@signed
def revoke(
    bank: BankArg,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw BANK's access to your credit profile now."""
    party = signing.party()
    ev = party.attestations.revoke_consent(bank)
    Output(as_json).result({"owner": ev.owner, "bank": ev.bank, "had_expiry": _date(ev.old_expires_at)},
                           title="Consent revoked")


@consent_app.command("list")
def list_consents(
    live: Annotated[bool, typer.Option("--live", help="Only consents live now.")] = False,
    url: GatewayUrlOpt = DEFAULT_GATEWAY_URL,
    as_json: JsonOpt = False,
) -> None:
    """Consents you granted and those granted to you (from the gateway)."""
    body = gateway_call(url, "GET", "/v1/consents", "consents", params={"live": live} if live else None)
    rows = [{**c, "expires": _date(c["expires_at"]) if c["expires_at"] else "revoked"} for c in body["data"]]
    Output(as_json).rows(rows, ["owner", "bank", "expires", "live"], title="Consents")
