"""Cloud-function handlers (functions-framework): ``check(request)`` and ``approve(request)``.

They answer exactly like the blueprint's routes (same code, ``functions.promo.edge``), CORS preflight
included; settings come from the process environment. The check opens only the state store (rate limits,
shared by every instance), never the workbook; the approval opens the business for its Journal row, and
only once an approval has to be written. No admin session exists here: approve needs the server token.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from flask import Request, Response

from functions.promo.config import PromoSettings
from functions.promo.edge import Deps, approve_response, check_response
from functions.state.base import StateStore


@lru_cache(maxsize=1)
def _state(spec: str) -> StateStore:
    from functions.state.open import open_state

    return open_state(spec)


def _business() -> Any:
    from functions.config import open_business

    return open_business()


def _deps() -> Deps:
    from functions.config import Config

    spec = Config.from_env().state
    return Deps(PromoSettings.from_env(dict(os.environ)), state=lambda: _state(spec), business=_business)


def check(request: Request) -> Response:
    return check_response(request, _deps())


def approve(request: Request) -> Response:
    return approve_response(request, _deps())
