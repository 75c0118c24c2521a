"""The `scf` command line (typer + rich). Entry point: ``scf = "sdk.cli:app"``.

Layout: :mod:`sdk.cli.main` holds the root app and registers one sub-app per domain module
(``sdk/cli/<domain>.py`` exporting ``app``); :mod:`sdk.cli.common` holds the shared options and helpers.
"""

from sdk.cli.main import app

__all__ = ["app"]
