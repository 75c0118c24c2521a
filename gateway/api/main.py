"""The /v1 router: one APIRouter per resource."""

from fastapi import APIRouter

from gateway.api.errors import COMMON_ERROR_RESPONSES
from gateway.api.routes import (
    alerts,
    auth,
    balances,
    creditlines,
    events,
    participants,
    positions,
    prepayments,
    profile,
    quotes,
    receivables,
    riskpool,
    statement,
    tx,
    warehouse,
)

api_router = APIRouter(prefix="/v1", responses=COMMON_ERROR_RESPONSES)
api_router.include_router(auth.router)
api_router.include_router(participants.router)
api_router.include_router(balances.router)
api_router.include_router(events.router)
api_router.include_router(receivables.router)
api_router.include_router(warehouse.router)
api_router.include_router(positions.router)
api_router.include_router(alerts.router)
api_router.include_router(prepayments.router)
api_router.include_router(creditlines.router)
api_router.include_router(profile.router)
api_router.include_router(tx.router)
api_router.include_router(riskpool.router)
api_router.include_router(quotes.router)
api_router.include_router(statement.router)
