"""The gateway's log: state changes and summaries at INFO, every HTTP exchange only at DEBUG."""

from __future__ import annotations

import logging


def configure_logging(level: int = logging.INFO) -> None:
    """State changes and summaries at INFO; every HTTP exchange (each API request in uvicorn's access log, httpx's
    lines from clients in the process) only at DEBUG, so a day of polling is not hundreds of thousands of lines.
    The node polls go through sdk.rpc, which logs nothing per call."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
