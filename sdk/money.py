"""Money is an integer count of the settlement token's smallest unit (cents). Never a float.

Rounding rule used across the ledger (contracts and SDK alike): every division rounds toward zero
(floor for the non-negative amounts used here), and the contract that divides names who receives the
remainder, so no unit is ever lost.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Context, Decimal, InvalidOperation, localcontext

from sdk.errors import LedgerValueError

DECIMALS = 2
UNIT = 10**DECIMALS
BPS = 10_000
DAYS_PER_YEAR = 365
SECONDS_PER_DAY = 86_400
_EXACT = Context(prec=100, traps=[InvalidOperation])


def to_units(amount: Decimal | str | int) -> int:
    """Parse a human amount ("1234.56", Decimal, or whole int) into smallest units; refuses floats and excess
    precision rather than rounding silently."""
    if isinstance(amount, float):
        raise LedgerValueError("amounts must not be floats: pass a Decimal, a string or an int")
    if isinstance(amount, bool):
        raise LedgerValueError("amounts must be numbers")
    with localcontext(_EXACT):  # the default 28-digit context would round large amounts silently
        try:
            value = Decimal(amount)
        except (InvalidOperation, ValueError) as exc:
            raise LedgerValueError(f"not an amount: {amount!r}") from exc
        if not value.is_finite():
            raise LedgerValueError(f"not an amount: {amount!r}")
        units = value * UNIT
        if units != units.to_integral_value(rounding=ROUND_DOWN):
            raise LedgerValueError(f"{amount} has more than {DECIMALS} decimal places")
        if units < 0:
            raise LedgerValueError(f"amount must not be negative: {amount}")
        return int(units)


def format_units(units: int) -> str:
    """Smallest units as a decimal string with two places: 123456 -> '1234.56'."""
    sign = "-" if units < 0 else ""
    whole, cents = divmod(abs(units), UNIT)
    return f"{sign}{whole}.{cents:0{DECIMALS}d}"


def format_grouped(units: int) -> str:
    """Smallest units for people: thousands grouped, two places: 848000000 -> '8,480,000.00'."""
    whole, _, cents = format_units(units).partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}.{cents}"


def to_decimal(units: int) -> Decimal:
    with localcontext(_EXACT):
        result: Decimal = Decimal(units) / UNIT
    return result
