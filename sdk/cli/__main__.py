"""`python -m sdk.cli` runs the `scf` command."""

from sdk.cli import app

app(prog_name="scf")
