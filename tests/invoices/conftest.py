"""A shop with invoices: the receipts' ``shop`` (a prestation with lines and two payments, a quick sale) and
its identifiers typed in Paramètres."""

from __future__ import annotations

import pytest

from tests.receipts.conftest import BASE, client, rbiz, set_settings, shop  # noqa: F401 - fixtures

IDS = {"tax_id": "NIF 1000123456", "rccm": "TG-LFW-01-2026-B12-00042", "legal_mention": "SARL au capital de 1 000 000 FCFA"}


@pytest.fixture
def ishop(shop):
    set_settings(shop["biz"], IDS)
    shop["biz"].forget()
    return shop


__all__ = ["BASE", "IDS", "client", "rbiz", "set_settings", "shop"]
