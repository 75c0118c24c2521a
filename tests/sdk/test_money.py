from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk.errors import LedgerValueError
from sdk.money import format_units, to_units


def test_to_units_parses_decimal_strings_exactly() -> None:
    assert to_units("1234.56") == 123456
    assert to_units(Decimal("0.01")) == 1
    assert to_units(7) == 700


@pytest.mark.parametrize("bad", [1.5, "0.001", "-1", "abc", True, "NaN", "Infinity"])
def test_to_units_refuses_floats_excess_precision_and_garbage(bad: object) -> None:
    with pytest.raises(LedgerValueError):
        to_units(bad)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=10**30))
def test_format_and_parse_round_trip(units: int) -> None:
    assert to_units(format_units(units)) == units
