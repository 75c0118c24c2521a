"""The lineage of a receivable as a story: who passed how much to whom, sales to banks, repayments and payouts.

The fragment tree says who holds what *now*; the story says how it came to be, in chain order, including former
holders. It is built from the Receivables contract's events alone, so the CLI (reading the chain) and the gateway
(reading its event log) tell the same story::

    steps = lineage_story(root_id, [(block_time, event_name, args), ...], names={address: "Acme Steel"})
    steps[1].text  # 'Acme Steel (0x1234…abcd) passed 300,000.00 of 1.0 to Taihu Castings (0x…) as 1.1'

`args` are an event's fields by their SDK names (``from_``, ``root_id``...), as :func:`event_fields` gives them for
an SDK event and as the gateway stores them. Amounts stay integers in each step (``amount``, smallest units); the
sentence shows them as money, fragments as ``ROOT.INDEX`` and parties by display name beside the address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sdk.display import label_with
from sdk.money import format_grouped

#: Bits of a fragment id that number the fragment within its root (``root_id << 16 | index``).
INDEX_BITS = 16


def fragment_ref(fragment: int) -> str:
    """The human form of a fragment id: ``ROOT.INDEX`` (65537 -> '1.1')."""
    return f"{fragment >> INDEX_BITS}.{fragment & ((1 << INDEX_BITS) - 1)}"


@dataclass(frozen=True, slots=True)
class StoryStep:
    """One step of a receivable's story, in chain order."""

    at: int  # block time, unix seconds
    action: str  # registered, issued, confirmed, rejected, cancelled, disputed, dispute-resolved, passed, sold,
    #              repaid, paid-out, financing-closed, defaulted, recourse, recourse-repaid
    fragment_id: int | None  # the fragment it concerns (the original fragment for root-level steps)
    party: str  # who acted
    counterparty: str | None  # who received (a claim, a fragment, money), or owes
    amount: int | None  # smallest units: value passed, price paid, amount repaid or paid out
    new_fragment_id: int | None  # the fragment a split created
    text: str  # the step as a sentence, parties by display name
    source: int = -1  # position of the event it comes from in the events given to `lineage_story`


STORY_EVENTS = frozenset({
    "ReceivableRegistered", "ReceivableIssued", "ReceivableConfirmed", "ReceivableRejected", "ReceivableCancelled",
    "ReceivableDisputed", "ReceivableDisputeResolved", "FragmentOfferAccepted", "FragmentDiscounted",
    "ReceivableRepaid", "FragmentPaid", "FinancingRepaid", "FragmentDefaulted", "RecourseExercised",
    "RecourseRepaid",
})


def event_fields(event: Any) -> dict[str, Any]:
    """An SDK event's fields by name (what the gateway stores as an event's args)."""
    return {name: getattr(event, name) for name in event.FIELDS}


def root_of(name: str, args: Mapping[str, Any]) -> int | None:
    """The receivable (root) an event of the story belongs to, or None for other events."""
    if name not in STORY_EVENTS:
        return None
    if "root_id" in args:
        return int(args["root_id"])
    fragment = args.get("fragment_id", args.get("parent_id"))
    return None if fragment is None else int(fragment) >> INDEX_BITS


def _reason(value: Any) -> str:
    if isinstance(value, str) and value.startswith("0x"):
        value = bytes.fromhex(value[2:])
    if isinstance(value, bytes):
        text = value.rstrip(b"\0").decode("utf-8", errors="replace")
        return f" ({text})" if text else ""
    return ""


def lineage_story(root_id: int, events: Iterable[tuple[int, str, Mapping[str, Any]]],
                  names: Mapping[str, str] | None = None) -> list[StoryStep]:
    """The steps of receivable `root_id` from `events` ((block time, event name, args) in chain order); events of
    other roots and events that move nothing (offers made, discount requests) are left out."""
    book = names or {}

    def who(address: str) -> str:
        return label_with(book, address)

    steps: list[StoryStep] = []
    for position, (at, name, args) in enumerate(events):
        if root_of(name, args) != root_id:
            continue
        build = _STEPS.get(name)
        if build is not None:
            steps.append(replace(build(at, args, who), source=position))
    # the contract closes a financing just before it pays the fragment out: tell the payout first
    for i in range(len(steps) - 1):
        closed, paid = steps[i], steps[i + 1]
        if (closed.action, paid.action) == ("financing-closed", "paid-out") and \
                (closed.fragment_id, closed.at) == (paid.fragment_id, paid.at):
            steps[i], steps[i + 1] = paid, closed
    return steps


Who = Callable[[str], str]


def _m(units: Any) -> str:
    return format_grouped(int(units))


def _registered(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "registered", int(a["fragment_id"]), a["supplier"], a["debtor"], int(a["face_value"]), None,
                     f"{who(a['supplier'])} registered receivable {a['root_id']} for {_m(a['face_value'])} owed by "
                     f"{who(a['debtor'])}; it holds {fragment_ref(int(a['fragment_id']))}")


def _issued(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "issued", int(a["fragment_id"]), a["debtor"], a["supplier"], int(a["face_value"]), None,
                     f"{who(a['debtor'])} issued a payable of {_m(a['face_value'])} to {who(a['supplier'])}, who "
                     f"holds {fragment_ref(int(a['fragment_id']))}")


def _root_fragment(a: Mapping[str, Any]) -> int:
    return int(a["root_id"]) << INDEX_BITS


def _confirmed(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "confirmed", _root_fragment(a), a["debtor"], a["holder"], int(a["face_value"]), None,
                     f"{who(a['debtor'])} confirmed it owes {_m(a['face_value'])} to {who(a['holder'])}")


def _rejected(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "rejected", _root_fragment(a), a["debtor"], None, None, None,
                     f"{who(a['debtor'])} rejected receivable {a['root_id']}{_reason(a.get('reason'))}")


def _cancelled(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "cancelled", _root_fragment(a), a["supplier"], None, None, None,
                     f"{who(a['supplier'])} cancelled receivable {a['root_id']}")


def _disputed(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "disputed", _root_fragment(a), a["debtor"], None, None, None,
                     f"{who(a['debtor'])} disputed receivable {a['root_id']}{_reason(a.get('reason'))}; every "
                     "fragment is frozen")


def _resolved(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    outcome = "upheld it" if a["upheld"] else "voided it"
    return StoryStep(at, "dispute-resolved", _root_fragment(a), a["operator"], None, None, None,
                     f"{who(a['operator'])} resolved the dispute and {outcome}")


def _passed(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    parent, child = int(a["parent_id"]), int(a["child_id"])
    return StoryStep(at, "passed", parent, a["from_"], a["to"], int(a["amount"]), child,
                     f"{who(a['from_'])} passed {_m(a['amount'])} of {fragment_ref(parent)} to {who(a['to'])} as "
                     f"{fragment_ref(child)} ({_m(a['parent_value'])} left in {fragment_ref(parent)})")


def _sold(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    recourse = "with recourse" if a["with_recourse"] else "without recourse"
    return StoryStep(at, "sold", int(a["fragment_id"]), a["seller"], a["bank"], int(a["price"]), None,
                     f"{who(a['seller'])} sold {fragment_ref(int(a['fragment_id']))} ({_m(a['value'])}) to "
                     f"{who(a['bank'])} for {_m(a['price'])}: {int(a['rate_bps']) / 100:.2f}% a year over "
                     f"{a['days_to_maturity']} days, {recourse}")


def _repaid(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    late = ", late" if a.get("late") else ""
    return StoryStep(at, "repaid", _root_fragment(a), a["debtor"], None, int(a["amount"]), None,
                     f"{who(a['debtor'])} repaid {_m(a['amount'])} of receivable {a['root_id']}{late} "
                     f"({_m(a['outstanding'])} outstanding)")


def _paid(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "paid-out", int(a["fragment_id"]), a["holder"], None, int(a["amount"]), None,
                     f"{who(a['holder'])} was paid {_m(a['amount'])} on {fragment_ref(int(a['fragment_id']))} "
                     f"({_m(a['total_paid'])} in all)")


def _closed(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "financing-closed", int(a["fragment_id"]), a["bank"], None, int(a["total_paid"]), None,
                     f"{who(a['bank'])} was repaid its discount of {fragment_ref(int(a['fragment_id']))} in full "
                     f"({_m(a['total_paid'])}); the financing is closed")


def _defaulted(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "defaulted", int(a["fragment_id"]), a["holder"], a["debtor"], int(a["unpaid"]), None,
                     f"{who(a['holder'])} declared {fragment_ref(int(a['fragment_id']))} defaulted: "
                     f"{who(a['debtor'])} left {_m(a['unpaid'])} unpaid")


def _recourse(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "recourse", int(a["fragment_id"]), a["bank"], a["seller"], int(a["debt"]), None,
                     f"{who(a['bank'])} exercised recourse on {fragment_ref(int(a['fragment_id']))}: "
                     f"{who(a['seller'])} owes it {_m(a['debt'])} and holds the fragment again")


def _recourse_repaid(at: int, a: Mapping[str, Any], who: Who) -> StoryStep:
    return StoryStep(at, "recourse-repaid", int(a["fragment_id"]), a["seller"], a["bank"], int(a["amount"]), None,
                     f"{who(a['seller'])} repaid {_m(a['amount'])} of recourse debt to {who(a['bank'])} "
                     f"({_m(a['outstanding'])} outstanding)")


_STEPS: dict[str, Callable[[int, Mapping[str, Any], Who], StoryStep]] = {
    "ReceivableRegistered": _registered, "ReceivableIssued": _issued, "ReceivableConfirmed": _confirmed,
    "ReceivableRejected": _rejected, "ReceivableCancelled": _cancelled, "ReceivableDisputed": _disputed,
    "ReceivableDisputeResolved": _resolved, "FragmentOfferAccepted": _passed, "FragmentDiscounted": _sold,
    "ReceivableRepaid": _repaid, "FragmentPaid": _paid, "FinancingRepaid": _closed,
    "FragmentDefaulted": _defaulted, "RecourseExercised": _recourse, "RecourseRepaid": _recourse_repaid,
}
