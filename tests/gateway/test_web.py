"""The web app: pages and assets served offline, role panels rendered from the indexed ledger."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sdk import Ledger
from sdk.chain import Chain
from tests.conftest import Cast
from tests.contracts.receivables_support import new_root
from tests.gateway.api_fixtures import Api
from tests.gateway.test_tx_api import make_api

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "gateway" / "web" / "static"


@pytest.fixture()
def web(chain: Chain, ledger: Ledger, db: Engine) -> Iterator[Api]:
    yield from make_api(chain, ledger, db)


def test_pages_and_assets_are_served_offline(web: Api) -> None:
    landing = web.client.get("/")
    assert landing.status_code == 200 and "Sign in with a wallet" in landing.text
    assert 'for="keystore-file"' in landing.text and 'for="keystore-password"' in landing.text
    docs = web.client.get("/docs")
    assert docs.status_code == 200
    for page in (landing.text, docs.text):  # nothing from a CDN: every script and stylesheet is ours
        for ref in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert ref.startswith("/"), ref
    for asset in ("/static/signer.js", "/static/htmx.min.js", "/static/app.css", "/static/swagger/swagger-ui-bundle.js",
                  "/static/swagger/swagger-ui.css"):
        assert web.client.get(asset).status_code == 200, asset
    assert web.client.get("/openapi.json").json()["paths"]["/v1/tx/prepare"]
    assert web.client.get("/web/panel").status_code == 401


def test_each_role_sees_its_work(web: Api, cast: Cast) -> None:
    waiting, _ = new_root(cast, face=12_345_67, confirm=False)
    other, _ = new_root(cast, face=1_00, confirm=False)
    _, fragment = new_root(cast, face=50_000_00)
    cast.supplier1.receivables.request_discount(fragment, cast.bank1.address, 625, with_recourse=False)
    web.sync()
    core = web.client.get("/web/panel", headers=web.as_(cast.core)).text
    assert f"Confirm receivable {waiting}" in core and "12,345.67" in core
    assert "Confirm all 2 in one transaction" in core
    assert f'data-params="[{{&#34;root_id&#34;: {waiting}}}, {{&#34;root_id&#34;: {other}}}]"' in core
    supplier = web.client.get("/web/panel", headers=web.as_(cast.supplier1)).text
    assert "Holdings" in supplier and "50,000.00" in supplier and "discounting" in supplier
    units = cast.supplier1.token.balance_of(cast.supplier1.address).units
    assert f"cash balance <strong>{units // 100:,}.{units % 100:02d}</strong>" in supplier
    bank = web.client.get("/web/panel", headers=web.as_(cast.bank1)).text
    assert f"Fund fragment {fragment >> 16}.0" in bank and "6.25%" in bank  # fragments read ROOT.INDEX
    regulator = web.client.get("/web/panel", headers=web.as_(cast.regulator)).text
    assert "System totals" in regulator and "Confirm receivable" not in regulator


def test_committed_signer_bundle_is_up_to_date(tmp_path: Path) -> None:
    if not (ROOT / "node_modules" / ".bin" / "esbuild").exists():
        pytest.fail("checking the committed signer bundle needs esbuild from npm: run `bash scripts/setup.sh`")
    out = tmp_path / "signer.js"
    esbuild = shutil.which("esbuild", path=str(ROOT / "node_modules" / ".bin"))
    assert esbuild is not None
    subprocess.run([esbuild, "gateway/web/src/signer.js", "--bundle", "--minify", "--format=iife",
                    "--global-name=scfSigner", "--target=es2020", "--legal-comments=none", f"--outfile={out}"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    assert out.read_bytes() == (STATIC / "signer.js").read_bytes(), "rebuild it: npm run build:web"


def test_panels_show_display_names_escaped_and_fragments_as_root_dot_index(web: Api, cast: Cast) -> None:
    root, fragment = new_root(cast, face=50_000_00)
    cast.operator.registry.set_display_name(cast.bank1.address, "Ningbo <b>Bank</b>")
    web.sync()
    supplier = web.client.get("/web/panel", headers=web.as_(cast.supplier1)).text
    assert f"Request discount on fragment {root}.0" in supplier
    assert f'title="{fragment}">{root}.0<' in supplier  # the machine form on hover
    assert "Ningbo &lt;b&gt;Bank&lt;/b&gt; (" in supplier and "<b>Bank</b>" not in supplier
    cast.supplier1.receivables.request_discount(fragment, cast.bank1.address, 625, with_recourse=False)
    web.sync()
    bank = web.client.get("/web/panel", headers=web.as_(cast.bank1)).text
    assert f"Fund fragment {root}.0" in bank
