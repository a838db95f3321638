"""Promo codes with TTR Ambassadeur (ABT): our own proxy between the browser / the server and ABT.

``config`` reads the environment, ``client`` talks to ABT (or to the manual's external proxy), ``service``
maps ABT's answers to French ones and approves payments exactly once, ``setting`` saves the applied code in
Paramètres, ``cors`` and ``limits`` guard the public check, ``web`` holds the Flask blueprint, ``entry`` the
cloud-function handlers and ``cli`` the ``ttr promo`` commands.
"""

from __future__ import annotations

from collections.abc import Mapping


def validate(code: str, env: Mapping[str, str], business_id: str = "ttr-installation") -> str:
    """The code as saved (trimmed, upper-cased), checked with ABT when promo codes are configured.

    Used by the first-run setup page: a malformed code, or one ABT refuses, raises a French
    ``InvalidInputError``; when neither ABT_URL nor the external proxy is set, the code is kept unchecked
    (it is checked later with ``ttr promo check``). ABT failing or slow raises its 502/504 error.
    """
    from functions.errors import InvalidInputError
    from functions.promo import service
    from functions.promo.client import AbtClient
    from functions.promo.config import PromoSettings

    normalized = service.normalize_code(code)
    settings = PromoSettings.from_env(dict(env))
    if not (settings.abt_url or settings.uses_external_proxy()):
        return normalized
    result = service.check_code(AbtClient(settings.upstream()), service.business_id(business_id), normalized)
    if not result.valid:
        raise InvalidInputError(str(result.answer.get("message") or "Code promo invalide ou expiré."))
    return normalized
