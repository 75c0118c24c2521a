"""The whole ledger: deploy or attach to the contract system, and act as a party."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from sdk.admin import ADMIN_HANDLES, DefaultAdmin
from sdk.artifacts_loader import load_artifact
from sdk.attestations import DataAttestations
from sdk.chain import Chain
from sdk.contracts import tx_result
from sdk.creditlines import CreditLines
from sdk.errors import DeploymentError, LedgerValueError
from sdk.prepayment import Prepayment
from sdk.receivables import Receivables
from sdk.registry import ParticipantRegistry
from sdk.riskpool import Losses, RiskPool
from sdk.token import SettlementToken
from sdk.warehouse import PledgeLoans, PriceFeed, WarehouseReceipts

DEPLOYMENT_FORMAT = 1
DEFAULT_TOKEN_NAME = "SCF Settlement Deposit (CNY cents)"
DEFAULT_TOKEN_SYMBOL = "dCNY"
#: Seconds between the two steps of a default-admin transfer (OpenZeppelin AccessControlDefaultAdminRules).
DEFAULT_ADMIN_DELAY = 2 * 86_400
#: The contracts whose default admin moves only in two steps, with that delay.
ADMIN_RULED_CONTRACTS = tuple(ADMIN_HANDLES)


def _admin_handle(ledger: Ledger, name: str, signer: LocalAccount | None) -> DefaultAdmin:
    try:
        cls = ADMIN_HANDLES[name]
    except KeyError:
        raise LedgerValueError(f"{name!r} has no default admin (those that do: {', '.join(ADMIN_HANDLES)})") from None
    return cls(ledger, ledger.deployment.address(name), signer)


@dataclass(frozen=True)
class Deployment:
    """Where a ledger lives: chain id, deployment block and contract addresses. Saved as JSON."""

    chain_id: int
    block: int
    contracts: dict[str, str]
    operator: str
    format: int = DEPLOYMENT_FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def address(self, name: str) -> str:
        try:
            return self.contracts[name]
        except KeyError:
            raise DeploymentError(f"deployment has no contract {name!r} (has: {sorted(self.contracts)})") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "chain_id": self.chain_id,
            "block": self.block,
            "operator": self.operator,
            "contracts": dict(sorted(self.contracts.items())),
            "extra": self.extra,
        }

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(target)  # atomic: never a half-written deployment file
        return target

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        try:
            return cls(
                chain_id=int(data["chain_id"]),
                block=int(data["block"]),
                contracts={k: to_checksum_address(v) for k, v in data["contracts"].items()},
                operator=to_checksum_address(data["operator"]),
                format=int(data.get("format", DEPLOYMENT_FORMAT)),
                extra=dict(data.get("extra", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DeploymentError(f"malformed deployment data: {exc!r}") from exc

    @classmethod
    def load(cls, path: str | Path) -> Deployment:
        p = Path(path)
        if not p.is_file():
            raise DeploymentError(f"deployment file {p} not found: run `scf deploy` first")
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DeploymentError(f"deployment file {p} is not valid JSON: {exc}") from exc
        return cls.from_json(data)


def _account(key: str | LocalAccount) -> LocalAccount:
    if isinstance(key, LocalAccount):
        return key
    try:
        acct: LocalAccount = Account.from_key(key)
    except Exception:
        raise LedgerValueError("not a valid private key") from None  # never echo the key
    return acct


class Party:
    """A handle that signs as one participant. Obtain it with :meth:`Ledger.as_party`."""

    def __init__(self, ledger: Ledger, account: LocalAccount) -> None:
        self.ledger = ledger
        self.account = account
        self.address: str = account.address
        self.registry = ParticipantRegistry(ledger, ledger.deployment.address("ParticipantRegistry"), account)
        self.token = SettlementToken(ledger, ledger.deployment.address("SettlementToken"), account)
        self.receipts = WarehouseReceipts(ledger, ledger.deployment.address("WarehouseReceipts"), account)
        self.prices = PriceFeed(ledger, ledger.deployment.address("PriceFeed"), account)
        self.loans = PledgeLoans(ledger, ledger.deployment.address("PledgeLoans"), account)
        self.prepayment = Prepayment(ledger, ledger.deployment.address("Prepayment"), account)
        self.receivables = Receivables(ledger, ledger.deployment.address("Receivables"), account)
        self.credit_lines = CreditLines(ledger, ledger.deployment.address("CreditLines"), account)
        self.losses = Losses(ledger, ledger.deployment.address("LossRegistry"), account)
        self.risk_pool = RiskPool(ledger, ledger.deployment.address("RiskPool"), account)
        self.attestations = DataAttestations(ledger, ledger.deployment.address("DataAttestations"), account)

    def admin(self, contract: str) -> DefaultAdmin:
        """The two-step admin transfer of `contract` (one of ADMIN_RULED_CONTRACTS), signed by this party."""
        return _admin_handle(self.ledger, contract, self.account)

    def __repr__(self) -> str:  # never show the key
        return f"Party({self.address})"


class Ledger:
    """One deployment of the SCF ledger on one chain."""

    def __init__(self, chain: Chain, deployment: Deployment) -> None:
        if deployment.chain_id != chain.chain_id:
            raise DeploymentError(
                f"deployment is for chain id {deployment.chain_id}, but {chain.describe()} is {chain.chain_id}"
            )
        self.chain = chain
        self.deployment = deployment
        self.registry = ParticipantRegistry(self, deployment.address("ParticipantRegistry"))
        self.token = SettlementToken(self, deployment.address("SettlementToken"))
        self.receipts = WarehouseReceipts(self, deployment.address("WarehouseReceipts"))
        self.prices = PriceFeed(self, deployment.address("PriceFeed"))
        self.loans = PledgeLoans(self, deployment.address("PledgeLoans"))
        self.prepayment = Prepayment(self, deployment.address("Prepayment"))
        self.receivables = Receivables(self, deployment.address("Receivables"))
        self.credit_lines = CreditLines(self, deployment.address("CreditLines"))
        self.losses = Losses(self, deployment.address("LossRegistry"))
        self.risk_pool = RiskPool(self, deployment.address("RiskPool"))
        self.attestations = DataAttestations(self, deployment.address("DataAttestations"))

    # ------------------------------------------------------------------ construction
    @classmethod
    def deploy(
        cls,
        chain: Chain,
        operator_key: str | LocalAccount,
        *,
        token_name: str = DEFAULT_TOKEN_NAME,
        token_symbol: str = DEFAULT_TOKEN_SYMBOL,
        admin_delay: int = DEFAULT_ADMIN_DELAY,
    ) -> Ledger:
        """Deploy the whole system with `operator_key` as admin and operator.

        `admin_delay` (seconds) is how long a transfer of the default admin role must wait between its two steps
        (begin, then accept) in every contract with a default admin; the admin can change it later, also with a
        delay."""
        if isinstance(admin_delay, bool) or not isinstance(admin_delay, int) or not 0 <= admin_delay < 2**48:
            raise LedgerValueError(f"admin delay must be whole seconds in [0, 2**48), got {admin_delay!r}")
        operator = _account(operator_key)
        start = chain.block_number
        registry = _deploy(chain, operator, "ParticipantRegistry", operator.address, operator.address, admin_delay)
        token = _deploy(chain, operator, "SettlementToken", token_name, token_symbol, registry)
        receivables = _deploy(chain, operator, "Receivables", registry, token)  # its operators are the registry's
        contracts = {"ParticipantRegistry": registry, "SettlementToken": token, "Receivables": receivables}
        contracts.update(_deploy_warehouse(chain, operator, registry, token, admin_delay))
        contracts.update(_deploy_prepayment(chain, operator, registry, token, contracts["WarehouseReceipts"]))
        contracts.update(_deploy_credit_lines(chain, operator, registry, token, receivables))
        contracts.update(_deploy_risk_pool(chain, operator, registry, token, contracts))
        # attested operating data and consents: no admin, no funds (providers are appointed in the registry)
        contracts["DataAttestations"] = _deploy(chain, operator, "DataAttestations", registry)
        deployment = Deployment(
            chain_id=chain.chain_id, block=start + 1, contracts=contracts, operator=operator.address,
            extra={"admin_delay": admin_delay},
        )
        ledger = cls(chain, deployment)
        admin = ParticipantRegistry(ledger, registry, operator)
        admin.set_ledger_contract(receivables)  # it holds repayments until they are paid out
        return ledger

    @classmethod
    def connect(cls, chain: Chain, addresses: Deployment | str | Path | dict[str, Any]) -> Ledger:
        """Attach to an existing deployment (a Deployment, its JSON dict, or the path of its file)."""
        if isinstance(addresses, Deployment):
            deployment = addresses
        elif isinstance(addresses, dict):
            deployment = Deployment.from_json(addresses)
        else:
            deployment = Deployment.load(addresses)
        ledger = cls(chain, deployment)
        for name, address in deployment.contracts.items():
            if not chain.w3.eth.get_code(to_checksum_address(address)):
                raise DeploymentError(f"no contract code for {name} at {address} on {chain.describe()}")
        return ledger

    def admin(self, contract: str) -> DefaultAdmin:
        """Read-only admin handle of `contract` (current admin, pending transfer, delay)."""
        return _admin_handle(self, contract, None)

    def as_party(self, key: str | LocalAccount) -> Party:
        """A handle that signs as the holder of `key` (signing stays local; the key is never logged)."""
        return Party(self, _account(key))

    def save(self, path: str | Path) -> Path:
        return self.deployment.save(path)


def _deploy_warehouse(
    chain: Chain, operator: LocalAccount, registry: str, token: str, admin_delay: int
) -> dict[str, str]:
    """Receipts, price feed and pledge loan book; the loan book may hold liens on receipts. It holds no tokens
    (funding and repayments go party to party) but it moves them as an ERC-20 spender, and the token lets only
    active participants and ledger contracts spend, so it is flagged as a ledger contract."""
    receipts = _deploy(chain, operator, "WarehouseReceipts", operator.address, registry, admin_delay)
    feed = _deploy(chain, operator, "PriceFeed", operator.address, registry, admin_delay)
    loans = _deploy(chain, operator, "PledgeLoans", registry, token, receipts, feed)
    contract = chain.w3.eth.contract(address=to_checksum_address(receipts), abi=load_artifact("WarehouseReceipts").abi)
    role = contract.functions.PLEDGE_MANAGER_ROLE().call()
    chain.transact(operator, receipts, contract.encode_abi("grantRole", [role, loans]),
                   description="WarehouseReceipts.grantRole")
    reg = chain.w3.eth.contract(address=to_checksum_address(registry), abi=load_artifact("ParticipantRegistry").abi)
    chain.transact(operator, registry, reg.encode_abi("setLedgerContract", [loans, True]),
                   description="ParticipantRegistry.setLedgerContract")
    return {"WarehouseReceipts": receipts, "PriceFeed": feed, "PledgeLoans": loans}


def _deploy_prepayment(
    chain: Chain, operator: LocalAccount, registry: str, token: str, receipts: str
) -> dict[str, str]:
    """Prepayment agreements: a ledger contract (it escrows the buyer's margin until funding) that may hold liens
    on receipts (the goods pledged under an agreement)."""
    prepayment = _deploy(chain, operator, "Prepayment", registry, token, receipts)
    reg = chain.w3.eth.contract(address=to_checksum_address(registry), abi=load_artifact("ParticipantRegistry").abi)
    chain.transact(operator, registry, reg.encode_abi("setLedgerContract", [prepayment, True]),
                   description="ParticipantRegistry.setLedgerContract")
    rec = chain.w3.eth.contract(address=to_checksum_address(receipts), abi=load_artifact("WarehouseReceipts").abi)
    role = rec.functions.PLEDGE_MANAGER_ROLE().call()
    chain.transact(operator, receipts, rec.encode_abi("grantRole", [role, prepayment]),
                   description="WarehouseReceipts.grantRole")
    return {"Prepayment": prepayment}


def _deploy_credit_lines(
    chain: Chain, operator: LocalAccount, registry: str, token: str, receivables: str
) -> dict[str, str]:
    """Revolving credit lines: a ledger contract. It moves the bank's tokens to payees as the spender of the bank's
    allowance, holds a repayment for a bank that cannot receive until that bank collects it, and holds the
    receivable fragments pledged to lines (claiming their payouts from `receivables`)."""
    lines = _deploy(chain, operator, "CreditLines", registry, token, receivables)
    reg = chain.w3.eth.contract(address=to_checksum_address(registry), abi=load_artifact("ParticipantRegistry").abi)
    chain.transact(operator, registry, reg.encode_abi("setLedgerContract", [lines, True]),
                   description="ParticipantRegistry.setLedgerContract")
    return {"CreditLines": lines}


def _deploy_risk_pool(
    chain: Chain, operator: LocalAccount, registry: str, token: str, contracts: dict[str, str]
) -> dict[str, str]:
    """The loss registry (no funds; reads losses from Receivables, PledgeLoans and CreditLines, registered as its
    sources) and the risk pool: a ledger contract, since it holds the contributors' deposits."""
    losses = _deploy(chain, operator, "LossRegistry", registry)
    pool = _deploy(chain, operator, "RiskPool", registry, token, losses)
    reg_abi = load_artifact("LossRegistry").abi
    lr = chain.w3.eth.contract(address=to_checksum_address(losses), abi=reg_abi)
    for name, kind in (("Receivables", 1), ("PledgeLoans", 2), ("CreditLines", 3)):
        chain.transact(operator, losses, lr.encode_abi("setSource", [contracts[name], kind]),
                       description="LossRegistry.setSource")
    reg = chain.w3.eth.contract(address=to_checksum_address(registry), abi=load_artifact("ParticipantRegistry").abi)
    chain.transact(operator, registry, reg.encode_abi("setLedgerContract", [pool, True]),
                   description="ParticipantRegistry.setLedgerContract")
    return {"LossRegistry": losses, "RiskPool": pool}


def _deploy(chain: Chain, signer: LocalAccount, name: str, *args: Any) -> str:
    artifact = load_artifact(name)
    factory = chain.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    data = factory.constructor(*args).data_in_transaction
    receipt = chain.transact(signer, None, data, description=f"deploy {name}")
    result = tx_result(receipt)
    if result.contract_address is None:
        raise DeploymentError(f"deploying {name} produced no contract address")
    return result.contract_address
