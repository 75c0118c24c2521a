"""Shared options and helpers of the `scf` command line.

A domain module (``sdk/cli/<domain>.py``) uses them like this::

    app = typer.Typer(help="Receivables: register, confirm, split, discount, repay.", no_args_is_help=True)

    @app.command()
    @signed
    def confirm(
        receivable_id: Annotated[int, typer.Argument(help="receivable id")],
        *, signing: SigningOptions, as_json: JsonOpt = False,
    ) -> None:
        party = signing.party()
        event = party.receivables.confirm(receivable_id)
        out = Output(as_json)
        out.result({"id": event.id, "tx": ...}, title="Receivable confirmed")

Errors need no handling in commands: every :class:`sdk.errors.LedgerError` (and a ``ValueError`` from bad
input) reaching the root command is printed as ONE line naming the cause, with a non-zero exit code and no
traceback unless ``--debug`` is given (see :class:`ScfGroup`).

A write command never spells out its signing options: :func:`signed` puts the shared block (``--rpc``,
``--deployment``, ``--keystore``, ``--key-env``, ``--dev-account``, ``--password-env``) where its ``signing``
parameter stands, and hands it one frozen :class:`SigningOptions`. A command that signs without a chain (``scf
gateway login``) takes :class:`KeyOptions` the same way.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from sdk.chain import Chain, connect
from sdk.display import party_label
from sdk.errors import (
    ArtifactMissingError,
    ChainConnectionError,
    ContractRevert,
    DeploymentError,
    LedgerError,
    LedgerValueError,
)
from sdk.ledger import Ledger, Party
from sdk.money import format_grouped, format_units, to_units
from sdk.types import Role

DEFAULT_DEPLOYMENT = Path(".scf/deployment.json")
DEFAULT_PASSWORD_ENV = "SCF_KEYSTORE_PASSWORD"

# Exit codes, so scripts can tell failures apart. Click itself uses 2 for usage errors.
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REVERT = 3
EXIT_CONNECTION = 4
EXIT_SETUP = 5  # missing artifacts or deployment

# Options that would put a private key in shell history. They are refused before anything runs.
RAW_KEY_OPTIONS = ("--key", "--private-key", "--privkey", "--pk", "--secret-key")


# ----------------------------------------------------------------------------------------------- options
RpcOpt = Annotated[
    str | None,
    typer.Option(
        "--rpc",
        envvar="SCF_RPC_URL",
        help="JSON-RPC URL of the chain node (e.g. from `scf node`). Default: a fresh embedded in-memory chain.",
        show_default=False,
    ),
]
DeploymentOpt = Annotated[
    Path,
    typer.Option("--deployment", envvar="SCF_DEPLOYMENT", help="Deployment file written by `scf deploy`."),
]
KeystoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--keystore",
        envvar="SCF_KEYSTORE",
        help="Encrypted keystore (v3) file of the signing key; see `scf keys new`.",
        show_default=False,
    ),
]
KeyEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--key-env", help="Name of an environment variable holding the signing key (hex).", show_default=False
    ),
]
DevAccountOpt = Annotated[
    int | None,
    typer.Option(
        "--dev-account",
        help="Sign with the node's N-th public dev key (anvil and the embedded chain only).",
        show_default=False,
        min=0,
    ),
]
PasswordEnvOpt = Annotated[
    str,
    typer.Option(
        "--password-env", help="Environment variable holding the keystore password; prompted for when unset."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@dataclass(frozen=True, slots=True)
class KeyOptions:
    """Where the signing key comes from: exactly one of --keystore, --key-env and --dev-account.

    Nothing is read until :meth:`account` is called, so a command checks its own input before a password
    prompt."""

    keystore: Path | None = None
    key_env: str | None = None
    dev_account: int | None = None
    password_env: str = DEFAULT_PASSWORD_ENV

    @property
    def given(self) -> bool:
        """Whether any key source was named."""
        return self.keystore is not None or self.key_env is not None or self.dev_account is not None

    def account(self, chain: Chain | None) -> LocalAccount:
        """The key (``chain`` answers --dev-account; without one, --dev-account is refused)."""
        return load_signer(chain, self.keystore, self.key_env, self.dev_account, self.password_env)


@dataclass(frozen=True, slots=True)
class SigningOptions(KeyOptions):
    """A write command's signing options: the node (--rpc), the deployment file, and the key."""

    rpc: str | None = None
    deployment: Path = DEFAULT_DEPLOYMENT

    def ledger(self) -> Ledger:
        """The deployment on the node, unsigned (for reads before or after the write)."""
        return open_ledger(self.rpc, self.deployment)

    def party(self) -> Party:
        """The deployment on the node, signing with the key; the ledger is ``party.ledger``."""
        return open_party(self.rpc, self.deployment, self.keystore, self.key_env, self.dev_account,
                          self.password_env)


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


#: The command-line options behind each field, in the order --help lists them.
_KEY_OPTIONS = (
    _option("keystore", KeystoreOpt, None),
    _option("key_env", KeyEnvOpt, None),
    _option("dev_account", DevAccountOpt, None),
    _option("password_env", PasswordEnvOpt, DEFAULT_PASSWORD_ENV),
)
_OPTIONS: dict[type[KeyOptions], tuple[inspect.Parameter, ...]] = {
    KeyOptions: _KEY_OPTIONS,
    SigningOptions: (_option("rpc", RpcOpt, None), _option("deployment", DeploymentOpt, DEFAULT_DEPLOYMENT),
                     *_KEY_OPTIONS),
}
assert all({p.name for p in params} == {f.name for f in fields(cls)} for cls, params in _OPTIONS.items())


def signed(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a typer command the shared signing options, declared once here.

    The command takes one keyword-only parameter annotated :class:`SigningOptions` (or :class:`KeyOptions`)::

        @app.command()
        @signed
        def confirm(root: RootArg, *, signing: SigningOptions, as_json: JsonOpt = False) -> None:
            party = signing.party()

    Typer reads the command's signature: this one has the options in that parameter's place (so --help lists them
    where they always stood), and the call gathers them back into the one frozen object."""
    signature = inspect.signature(command, eval_str=True)  # the aliases, not their names
    found = [(p, p.annotation) for p in signature.parameters.values() if p.annotation in _OPTIONS]
    if len(found) != 1 or found[0][0].kind is not inspect.Parameter.KEYWORD_ONLY:
        raise TypeError(f"{command.__qualname__}: @signed needs exactly one keyword-only parameter annotated "
                        "SigningOptions or KeyOptions")
    target, cls = found[0]
    options = _OPTIONS[cls]
    params: list[inspect.Parameter] = []
    for p in signature.parameters.values():
        params.extend(options if p is target else (p,))

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        kwargs[target.name] = cls(**{p.name: kwargs.pop(p.name) for p in options})
        return command(*args, **kwargs)

    run.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params if p.annotation is not p.empty}
    return run


# ----------------------------------------------------------------------------------------------- consoles
#: Width of stdout when it is not a terminal (a pipe, a file, a test runner): wide enough that no table cell is
#: folded, so numbers, ids and addresses stay whole for grep, cut and the next program.
PIPE_WIDTH = 10_000


def stdout() -> Console:
    # Built on demand so that test runners which swap sys.stdout are honoured.
    is_tty = sys.stdout.isatty()
    return Console(file=sys.stdout, soft_wrap=True, width=None if is_tty else PIPE_WIDTH)


def stderr() -> Console:
    return Console(file=sys.stderr, soft_wrap=True)


def info(message: str) -> None:
    """A progress or hint line on stderr (stdout stays clean for --json)."""
    stderr().print(message, highlight=False)


# ----------------------------------------------------------------------------------------------- errors
class CliUsageError(LedgerValueError):
    """Bad input caught by the command line itself (not by the chain)."""


def describe_error(exc: BaseException) -> tuple[str, int]:
    """One line naming the cause, and the exit code."""
    if isinstance(exc, ContractRevert):
        where = f"{exc.function} " if exc.function else ""
        return f"{where}reverted: {exc}", EXIT_REVERT
    if isinstance(exc, ChainConnectionError):
        return str(exc), EXIT_CONNECTION
    if isinstance(exc, ArtifactMissingError | DeploymentError):
        return str(exc), EXIT_SETUP
    if isinstance(exc, LedgerError | ValueError):
        return str(exc) or type(exc).__name__, EXIT_ERROR
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc}", EXIT_ERROR
    return f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", EXIT_ERROR


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _framework_class(name: str) -> type[Exception]:
    # typer >= 0.29 vendors click (typer._click); older releases use click itself. Find the class either way.
    found: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)
    return found


_UsageError = _framework_class("UsageError")
_ClickException = _framework_class("ClickException")


class ScfGroup(TyperGroup):
    """The root command group: refuses raw keys, accepts `--debug` anywhere, and owns the one error handler."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        head = args[: args.index("--")] if "--" in args else args
        for arg in head:
            if arg.split("=", 1)[0] in RAW_KEY_OPTIONS:
                # Don't echo the value: it is a secret that is already in the shell history.
                raise _UsageError(
                    f"{arg.split('=', 1)[0]} is refused: a private key on the command line lands in your shell "
                    "history. Use --keystore FILE (see `scf keys new`) or --key-env NAME.",
                    ctx,
                )
        if "--debug" in head:
            ctx.meta["scf.debug"] = True
            rest = args[len(head) :]
            args = [a for a in head if a != "--debug"] + rest
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, _ClickException):
            raise
        except Exception as exc:  # the one place where failures become a message and an exit code
            debug = bool(ctx.meta.get("scf.debug")) or _env_flag("SCF_DEBUG")
            message, code = describe_error(exc)
            if debug:
                traceback.print_exc(file=sys.stderr)
            stderr().print(f"[bold red]error:[/] {_escape(_one_line(message))}", highlight=False)
            raise typer.Exit(code) from None


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def fail(message: str) -> CliUsageError:
    """An error to raise for bad input: `raise fail("...")` prints one line and exits 1."""
    return CliUsageError(message)


# ----------------------------------------------------------------------------------------------- chain
def open_chain(rpc: str | None) -> Chain:
    """The chain: the URL given, or a fresh embedded in-memory chain."""
    return connect(rpc)


def chain_label(chain: Chain) -> str:
    return "embedded" if chain.kind == "embedded" else chain.url


def open_ledger(rpc: str | None, deployment: Path) -> Ledger:
    """Attach to the deployment in `deployment` on the node at `rpc`."""
    if rpc in (None, "", "embedded"):
        raise fail(
            "this command needs a running node: the embedded chain lives in memory and is gone when each `scf` "
            "process ends. Start one with `scf node`, then pass --rpc URL (or set SCF_RPC_URL)."
        )
    chain = open_chain(rpc)
    ledger = Ledger.connect(chain, deployment)
    NAMES.attach(ledger)
    return ledger


def open_party(
    rpc: str | None,
    deployment: Path,
    keystore: Path | None,
    key_env: str | None,
    dev_account: int | None,
    password_env: str = DEFAULT_PASSWORD_ENV,
) -> Party:
    """Attach to the deployment and sign as the key from --keystore, --key-env or --dev-account.

    The ledger is `party.ledger`."""
    ledger = open_ledger(rpc, deployment)
    return ledger.as_party(load_signer(ledger.chain, keystore, key_env, dev_account, password_env))


# ----------------------------------------------------------------------------------------------- keys
def load_signer(
    chain: Chain | None,
    keystore: Path | None = None,
    key_env: str | None = None,
    dev_account: int | None = None,
    password_env: str = DEFAULT_PASSWORD_ENV,
) -> LocalAccount:
    """The signing key from exactly one source: a keystore file, an environment variable, or a dev account."""
    given = [name for name, v in (("--keystore", keystore), ("--key-env", key_env), ("--dev-account", dev_account))
             if v is not None]
    if not given:
        raise fail("this command signs a transaction: pass --keystore FILE, --key-env NAME or --dev-account N")
    if len(given) > 1:
        raise fail(f"pass only one key source, got {' and '.join(given)}")
    if keystore is not None:
        return load_keystore(keystore, password_env)
    if key_env is not None:
        value = os.environ.get(key_env)
        if not value:
            raise fail(f"environment variable {key_env} (from --key-env) is not set or empty")
        return _account_from_hex(value.strip(), f"${key_env}")
    assert dev_account is not None
    keys = chain.dev_keys() if chain is not None else []
    if not keys:
        raise fail("--dev-account works only on a dev chain (anvil or the embedded chain)")
    if dev_account >= len(keys):
        raise fail(f"--dev-account {dev_account}: the chain has {len(keys)} dev accounts (0..{len(keys) - 1})")
    return _account_from_hex(keys[dev_account], f"dev account {dev_account}")


def load_keystore(path: Path, password_env: str = DEFAULT_PASSWORD_ENV) -> LocalAccount:
    """Decrypt an eth-account keystore v3 file; the password comes from `password_env` or a prompt."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise fail(f"keystore file {path} not found") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(f"keystore file {path} is not readable JSON: {exc}") from None
    password = os.environ.get(password_env)
    if password is None:
        if not sys.stdin.isatty():
            raise fail(f"keystore {path} needs a password: set {password_env} or run in a terminal to be prompted")
        password = typer.prompt(f"Password for {path}", hide_input=True)
    try:
        key = Account.decrypt(data, password)
    except ValueError as exc:
        if "MAC mismatch" in str(exc):
            raise fail(f"wrong password for keystore {path}") from None
        raise fail(f"keystore {path} could not be decrypted: {exc}") from None
    acct: LocalAccount = Account.from_key(key)
    return acct


def _account_from_hex(value: str, source: str) -> LocalAccount:
    try:
        acct: LocalAccount = Account.from_key(value)
    except Exception:
        raise fail(f"{source} does not hold a valid private key") from None  # never echo the key
    return acct


# ----------------------------------------------------------------------------------------------- parsing
def parse_address(value: str) -> str:
    """A 0x address, checksummed. Typer parser: `typer.Argument(parser=parse_address)`."""
    if not is_address(value):
        raise typer.BadParameter(f"{value!r} is not an address (0x followed by 40 hex digits)")
    return str(to_checksum_address(value))


def parse_amount(value: str) -> int:
    """A decimal amount ("1234.56") to integer cents. Typer parser: `typer.Argument(parser=parse_amount)`."""
    try:
        return to_units(value)
    except LedgerValueError as exc:
        raise typer.BadParameter(str(exc)) from None


# Arguments and options that several command groups share (the signer block is above: RpcOpt … JsonOpt).
AddressArg = Annotated[str, typer.Argument(parser=parse_address, help="address (0x…)")]
ParticipantArg = Annotated[str, typer.Argument(parser=parse_address, help="participant address (0x…)")]
AmountArg = Annotated[int, typer.Argument(parser=parse_amount, metavar="AMOUNT",
                                          help="amount with up to two decimals, e.g. 1250.50")]
WhenOpt = Annotated[str, typer.Option(help="unix seconds, an ISO date/time (UTC), or +N[d|h|m|s] from now")]


def parse_roles(values: Sequence[str]) -> list[Role]:
    """Role names, case-insensitive, `-` or `_`, repeated or comma-separated: `bank`, `core-enterprise,supplier`."""
    roles: list[Role] = []
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            name = part.upper().replace("-", "_")
            if name not in Role.__members__:
                choices = ", ".join(r.name.lower().replace("_", "-") for r in Role)
                raise typer.BadParameter(f"unknown role {part!r}; choose from {choices}")
            if Role[name] not in roles:
                roles.append(Role[name])
    if not roles:
        raise typer.BadParameter("give at least one role")
    return roles


def role_name(role: Role) -> str:
    return role.name.lower().replace("_", "-")


# ----------------------------------------------------------------------------------------------- output
def amount_text(units: int) -> str:
    """Cents as a decimal string with two places: 123456 -> '1234.56'."""
    return format_units(units)


def grouped(units: int) -> str:
    """Cents for a table: thousands grouped, two places: 848000000 -> '8,480,000.00'."""
    return format_grouped(units)


def money(units: int) -> dict[str, Any]:
    """An amount in JSON: the decimal string and the integer cents."""
    return {"amount": format_units(units), "units": units}


def plain(value: Any) -> Any:
    """Python values as JSON-ready data (enums by name, bytes as 0x-hex, sets as sorted lists)."""
    if isinstance(value, IntEnum):
        return value.name
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    return value


class NameBook:
    """Participants' display names for tables, read from the registry once per address and cached.

    `open_ledger` attaches the ledger; with none attached (or a registry that predates display names) no address
    gets a name. JSON output is never touched: its parties stay plain addresses."""

    def __init__(self) -> None:
        self._ledger: Ledger | None = None
        self._cache: dict[str, str | None] = {}

    def attach(self, ledger: Ledger | None) -> None:
        self._ledger, self._cache = ledger, {}

    def name(self, address: str) -> str | None:
        if self._ledger is None or not is_address(address):
            return None
        key = to_checksum_address(address)
        if key not in self._cache:
            try:
                self._cache[key] = self._ledger.registry.display_name_of(key) or None
            except (LedgerError, ValueError):  # no registry, or one without display names
                self._cache[key] = None
        return self._cache[key]

    def label(self, address: str) -> str:
        """``Acme Steel (0x1234…abcd)`` for a named participant; the full address otherwise."""
        return party_label(address, self.name(address)) if self.name(address) else address


NAMES = NameBook()
#: Columns whose address is the record's key: shown in full, the name goes in its own column.
_KEY_ADDRESS_COLUMNS = frozenset({"address", "account"})


@dataclass
class Output:
    """Where a command's result goes: a rich table (default) or one JSON document on stdout (`--json`)."""

    as_json: bool = False

    def json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(plain(data), indent=2, sort_keys=False) + "\n")

    def table(self, title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
        table = Table(title=title, title_justify="left", header_style="bold")
        for col in columns:
            # Numbers and addresses are never broken across lines, even on a narrow terminal: rich shrinks the
            # other columns first, and at worst the table runs past the edge.
            whole = col.lower() in _RIGHT_COLUMNS or col.lower() in _UNBROKEN_COLUMNS
            table.add_column(col, justify="right" if col.lower() in _RIGHT_COLUMNS else "left",
                             overflow="ignore" if whole else "fold", no_wrap=whole)
        for row in rows:
            table.add_row(*(_cell(v, col) for v, col in zip(row, columns, strict=False)))
        return table

    def print(self, *renderables: Any) -> None:
        if not self.as_json:
            stdout().print(*renderables)

    def result(self, data: dict[str, Any], title: str | None = None) -> None:
        """A single record: JSON, or a two-column key/value table."""
        if self.as_json:
            self.json(data)
            return
        rows = [(k, _cell(v, k)) for k, v in data.items()]
        stdout().print(self.table(title, ["field", "value"], rows))

    def rows(self, data: list[dict[str, Any]], columns: Sequence[str], title: str | None = None,
             key: str = "data") -> None:
        """Many records: JSON `{key: [...], "count": n}`, or a table with `columns` (keys of each record)."""
        if self.as_json:
            self.json({key: data, "count": len(data)})
            return
        stdout().print(self.table(title, columns, [[r.get(c) for c in columns] for r in data]))


#: Left-aligned columns whose values are ids, addresses or hashes: never folded.
_UNBROKEN_COLUMNS = {"address", "account", "id", "tx", "hash", "holder", "debtor", "creditor", "bank", "token"}
_RIGHT_COLUMNS = {"amount", "balance", "units", "gas", "count", "block", "rate", "face", "ops/s", "tx/s", "paid out",
                  "cost", "target", "rows", "p50 ms", "p99 ms", "req/s", "errors", "max req/s",
                  "peak rss (mib)", "events",
                  "paid", "principal", "interest", "days"}


def _cell(value: Any, column: str = "") -> str:
    """One table cell as text: money grouped, enums as kebab-case names, an address as its participant's label
    (``Acme Steel (0x1234…abcd)``) unless the column is the record's own address; rich markup escaped, so a
    name can't style the table."""
    from rich.markup import escape

    if isinstance(value, str) and len(value) == 42 and value.startswith("0x") and column not in _KEY_ADDRESS_COLUMNS:
        return escape(NAMES.label(value))
    if isinstance(value, dict) and set(value) == {"amount", "units"}:
        return grouped(int(value["units"]))
    if isinstance(value, IntEnum):
        return value.name.lower().replace("_", "-")
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_cell(v) for v in value)
    if value is None:
        return "-"
    return escape(str(value))


@contextmanager
def progress(description: str, total: int | None, enabled: bool = True) -> Iterator[Any]:
    """A progress bar on stderr for long work: `with progress("deploying", 4) as advance: ... advance()`."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr(),
        transient=True,
        disable=not enabled,
    )
    with bar:
        task = bar.add_task(description, total=total)

        def advance(steps: int = 1, description: str | None = None) -> None:
            bar.update(task, advance=steps, description=description)

        yield advance


__all__ = [
    "DEFAULT_DEPLOYMENT",
    "DEFAULT_PASSWORD_ENV",
    "DeploymentOpt",
    "DevAccountOpt",
    "JsonOpt",
    "KeyEnvOpt",
    "KeyOptions",
    "KeystoreOpt",
    "Output",
    "PasswordEnvOpt",
    "RpcOpt",
    "ScfGroup",
    "SigningOptions",
    "amount_text",
    "chain_label",
    "describe_error",
    "fail",
    "info",
    "load_keystore",
    "load_signer",
    "money",
    "open_chain",
    "open_ledger",
    "parse_address",
    "parse_amount",
    "parse_roles",
    "plain",
    "progress",
    "role_name",
    "signed",
]
