from sdk import Role, Standing
from tests.conftest import INITIAL_BALANCE, Cast


def test_cast_is_admitted_and_funded(ledger, cast: Cast) -> None:
    assert ledger.registry.get_participant(cast.bank1.address).roles == frozenset({Role.BANK})
    assert ledger.registry.get_standing(cast.outsider.address) == Standing.NOT_REGISTERED
    assert ledger.token.balance_of(cast.supplier1.address).units == INITIAL_BALANCE
