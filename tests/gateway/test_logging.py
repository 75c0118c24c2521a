"""The gateway's daily log: a line per change of the indexer's state, none per poll or per request."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine

from gateway.core.logs import configure_logging
from sdk import Ledger
from sdk.chain import Chain
from tests.gateway.helpers import indexer


def test_polls_and_requests_stay_below_info() -> None:
    configure_logging()
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)  # one line per node poll otherwise
    assert not logging.getLogger("httpcore").isEnabledFor(logging.INFO)


def test_the_indexer_logs_a_change_of_state_once(chain: Chain, ledger: Ledger, db: Engine,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    idx = indexer(chain, ledger.deployment, db)
    with caplog.at_level(logging.INFO, logger="gateway.indexer"):
        idx.sync()
        first = len(caplog.records)
        for _ in range(5):  # idle polls: nothing new to say
            idx.sync()
    assert len(caplog.records) == first, [r.getMessage() for r in caplog.records]
