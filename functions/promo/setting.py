"""Save the applied promo code in Paramètres, with its Journal row, in one write (``Business.set_setting``)."""

from __future__ import annotations

from functions.business import Business


def set_setting(biz: Business, key: str, value: str, actor: str) -> bool:
    """Set Paramètres › ``key``; True when something was written."""
    return biz.set_setting(key, value, actor)


def save_promo_code(biz: Business, code: str, actor: str) -> bool:
    return biz.set_setting("promo_code", code, actor)
