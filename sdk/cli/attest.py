"""`scf attest`: a data provider attests a participant's monthly figure (as a commitment), and anyone in scope lists
attestations through the gateway.

`post` writes the opening (value and salt) to a local JSON file (keep it: it is what proves the value) and, when you
are signed in to a gateway, uploads it there so the subject and the banks it consents to can read the value.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from sdk.attestations import METRICS, Opening
from sdk.cli import api as gateway_api
from sdk.cli.api import DEFAULT_GATEWAY_URL, GatewayUrlOpt
from sdk.cli.common import (
    JsonOpt,
    Output,
    SigningOptions,
    fail,
    info,
    parse_address,
    signed,
)
from sdk.cli.credit import gateway_call
from sdk.errors import LedgerValueError

_pause = time.sleep  # between upload attempts (tests replace it)

app = typer.Typer(help="Attested operating data: post (data providers) and list.", no_args_is_help=True)

SubjectArg = Annotated[str, typer.Argument(parser=parse_address, help="whose figure it is (0x…)")]


@app.command()
@signed
def post(
    subject: SubjectArg,
    metric: Annotated[str, typer.Argument(help="metric code, e.g. " + ", ".join(METRICS) + " (any ≤ 16 bytes)")],
    period: Annotated[int, typer.Argument(help="the month, yyyymm (e.g. 202611)")],
    value: Annotated[int, typer.Argument(min=0, help="the figure, an integer in the metric's unit")],
    source: Annotated[Path | None, typer.Option("--source", help="Source document; its SHA-256 goes on chain.",
                                                show_default=False, exists=True, dir_okay=False)] = None,
    correct: Annotated[int | None, typer.Option("--correct", help="Correct (supersede) this attestation id.",
                                                show_default=False, min=1)] = None,
    openings: Annotated[Path, typer.Option("--openings-dir", help="Where the opening file is written.")]
    = Path(".scf/openings"),
    upload: Annotated[bool, typer.Option("--upload/--no-upload", help="Upload the opening to the gateway if "
                                         "signed in to --url.")] = True,
    url: GatewayUrlOpt = DEFAULT_GATEWAY_URL,
    *,
    signing: SigningOptions,
    as_json: JsonOpt = False,
) -> None:
    """Attest SUBJECT's METRIC for month PERIOD: only the commitment keccak256(VALUE, salt) goes on chain (the signer
    must be a data provider, and not SUBJECT)."""
    try:
        opening = Opening.new(metric, period, value)
    except LedgerValueError as exc:
        raise fail(str(exc)) from None
    party = signing.party()
    document = source.read_bytes() if source is not None else b""
    if correct is None:
        ev = party.attestations.attest(subject, opening, document)
    else:
        ev = party.attestations.correct(correct, opening, document)
    openings.mkdir(parents=True, exist_ok=True)
    path = openings / f"attestation-{ev.id}.json"
    path.write_text(json.dumps({"id": ev.id, "subject": ev.subject, "metric": metric, "period": period,
                                "value": str(value), "salt": "0x" + opening.salt.hex()}, indent=2) + "\n",
                    encoding="utf-8")
    token = gateway_api._load_tokens().get(url)
    signed_in = token is not None and int(token.get("expires_at", 0)) > time.time()
    if upload and not signed_in:
        info(f"not signed in to {url} (or the token expired): the opening was not uploaded; sign in with "
             f"`scf gateway login --url {url}` and upload {path} with `scf api PUT`")
    uploaded = upload and signed_in and _upload(url, ev.id, value, opening.salt)
    Output(as_json).result({"id": ev.id, "subject": ev.subject, "provider": ev.provider, "metric": metric,
                            "period": period, "commitment": ev.commitment, "supersedes": ev.supersedes or None,
                            "opening_file": str(path), "uploaded": uploaded}, title="Attestation posted")


def _upload(url: str, attestation_id: int, value: int, salt: bytes, wait: float = 15.0) -> bool:
    """PUT the opening; the gateway answers 404 until its indexer has seen the attestation, so retry a while."""
    deadline = time.monotonic() + wait
    body = {"value": str(value), "salt": "0x" + salt.hex()}
    path = f"/v1/attestations/{attestation_id}/opening"
    headers = gateway_api.signed_in_headers(url)
    with gateway_api._client(url) as client:
        while True:
            response = client.put(path, headers=headers, json=body)
            if response.status_code != 404 or time.monotonic() >= deadline:
                break
            _pause(0.5)
    if response.status_code == 404:
        info(f"the gateway at {url} has not indexed attestation {attestation_id} yet; upload the opening later "
             f"with: scf api PUT {path} --body '{json.dumps(body)}'")
        return False
    gateway_api._reply(response, f"uploading the opening of attestation {attestation_id}")
    return True


@app.command("list")
def list_attestations(
    subject: SubjectArg,
    metric: Annotated[str | None, typer.Option("--metric", help="Only this metric code.", show_default=False)]
    = None,
    current: Annotated[bool, typer.Option("--current", help="Leave out superseded attestations.")] = False,
    url: GatewayUrlOpt = DEFAULT_GATEWAY_URL,
    as_json: JsonOpt = False,
) -> None:
    """SUBJECT's attestations, with values where the gateway holds the opening and you may see it (the subject, a
    consenting bank, the regulator; a provider sees its own)."""
    params: dict[str, object] = {}
    if metric is not None:
        params["metric"] = metric
    if current:
        params["current"] = True
    body = gateway_call(url, "GET", f"/v1/participants/{subject}/attestations", f"attestations of {subject}",
                        params=params or None)
    Output(as_json).rows(body["data"], ["id", "metric", "period", "value", "status", "provider", "superseded_by"],
                         title="Attestations")
