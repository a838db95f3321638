"""Cloud-function handler (functions-framework): ``chat(request)``, the TRIX chat with a server token.

No web session exists here: the caller sends ``Authorization: Bearer <TTR_SERVER_TOKEN>``. Settings come
from the process environment; the business from ``TTR_WORKBOOK``/``TTR_STATE``, opened on first use.
Importing this module imports neither ``openai`` nor the workbook backends (cold start): they load when a
question arrives.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Request, Response

from functions.business import Business
from functions.trix.config import TrixSettings
from functions.trix.edge import bearer_ok, chat_response, error_response

_cache: dict[str, Business] = {}


def _business(body: dict[str, Any]) -> Business:
    if "biz" not in _cache:
        from functions.config import open_business

        _cache["biz"] = open_business()
    return _cache["biz"]


def chat(request: Request, *, business: Any = None, client: Any = None) -> Response:
    from functions.trix.web import LoginRequiredError

    if request.method == "OPTIONS":
        return Response(status=204)
    if request.method != "POST":
        return Response('{"erreur": "Méthode non autorisée : utilisez POST."}', status=405, mimetype="application/json")
    env = dict(os.environ)
    if not bearer_ok(request, env):
        return error_response(LoginRequiredError("Jeton serveur manquant ou invalide : envoyez "
                                                 "« Authorization: Bearer <TTR_SERVER_TOKEN> »."))
    return chat_response(request, (lambda body: business) if business is not None else _business,
                         TrixSettings.from_env(env), client)
