"""Contract errors read in the user's units: money, dates, durations and rates; the fields stay raw integers."""

from __future__ import annotations

from sdk.generated import errors


def test_amounts_are_money_and_a_hint_says_what_to_do() -> None:
    err = errors.ReceivableExposureLimitExceeded(bank="0xB", debtor="0xD", requested=123_456_78, available=0)
    assert "requested=123,456.78, available=0.00" in str(err)
    assert str(err).endswith("the bank raises its limit with `scf receivable exposure-limit`")
    assert (err.requested, err.available) == (123_456_78, 0)  # the fields keep the smallest unit


def test_times_durations_rates_and_codes_read_as_such() -> None:
    err = errors.PriceStale(b"COPPER".ljust(16, b"\0"), 1_790_000_000, 86_400, 1_790_100_000)
    text = str(err)
    assert "commodity='COPPER'" in text and "observed_at=2026-09-21 14:13:20 UTC" in text and "max_age=1 d" in text
    terms = str(errors.LoanProgramTermsInvalid(b"\x01" * 16, 550, 7_000, 8_000, 3 * 86_400, 365 * 86_400))
    assert "rate_bps=5.50%" in terms and "max_ltv_bps=70.00%" in terms and "cure_period=3 d" in terms


def test_a_count_alone_is_not_money() -> None:
    assert "cap=100" in str(errors.ReceivableFragmentCapInvalid(100))
