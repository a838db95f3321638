"""Fixtures of the reminder tests: a shop with an agenda, stock and clients; the WhatsApp and SMTP fakes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from functions.business import Business
from functions.reminders.channels import Channels, EmailChannel, WhatsAppChannel
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from tests.conftest import Clock
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN, FakeWhatsApp

ADMIN_PHONE, ADMIN_WA = "90 11 22 33", "22890112233"
ADMIN_EMAIL = "awa@chez-awa.tg"


def make_business(clock: Clock, tz: str = "Africa/Lome", hour: str = "08:00", **settings: str) -> Business:
    b = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    b.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF", "timezone": tz,
            "reminder_hour": hour, "phone": ADMIN_PHONE, "email": ADMIN_EMAIL, **settings})
    return b


def fill(b: Business, today: date) -> dict[str, str]:
    """An agenda with one item per Rappel choice, a closed one, a client, and one low-stock article."""
    from datetime import timedelta

    ids = {}
    client = b.add("clients", {"name": "Kofi Mensah", "phone": "+228 91 00 00 01", "email": "kofi@example.com"}, "Awa")
    ids["client"] = client["id"]
    ids["tomorrow"] = b.add("agenda", {"title": "Livraison farine", "date": today + timedelta(days=1),
                                       "reminder": "1 jour avant", "for": "Kofi Mensah", "type": "Livraison"},
                            "Awa")["id"]
    ids["today"] = b.add("agenda", {"title": "Payer le loyer", "date": today, "reminder": "Le jour même",
                                    "type": "Paiement"}, "Awa")["id"]
    ids["week"] = b.add("agenda", {"title": "Visite du fournisseur", "date": today + timedelta(days=7),
                                   "reminder": "1 semaine avant", "for": "+228 92 00 00 02"}, "Awa")["id"]
    ids["done"] = b.add("agenda", {"title": "Déjà fait", "date": today, "reminder": "Le jour même",
                                   "status": "Fait"}, "Awa")["id"]
    ids["cancelled"] = b.add("agenda", {"title": "Annulé", "date": today + timedelta(days=2),
                                        "reminder": "2 jours avant", "status": "Annulé"}, "Awa")["id"]
    ids["other_day"] = b.add("agenda", {"title": "Pas aujourd'hui", "date": today + timedelta(days=3),
                                        "reminder": "1 jour avant"}, "Awa")["id"]
    ids["no_reminder"] = b.add("agenda", {"title": "Sans rappel", "date": today, "reminder": "Aucun"}, "Awa")["id"]
    ids["rice"] = b.add("stock", {"article": "Riz", "unit": "sacs", "threshold": Decimal(5)}, "Awa")["id"]
    b.stock_adjust(ids["rice"], "Entrée", Decimal(3), "Awa")
    ids["oil"] = b.add("stock", {"article": "Huile", "unit": "bidons", "threshold": Decimal(2)}, "Awa")["id"]
    b.stock_adjust(ids["oil"], "Entrée", Decimal(10), "Awa")
    return ids


@pytest.fixture
def lome_clock():
    return Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC))  # 09:30 in Lomé (UTC+0), after 08:00


@pytest.fixture
def shop(lome_clock):
    b = make_business(lome_clock)
    ids = fill(b, date(2026, 3, 14))
    return b, ids


@pytest.fixture
def whatsapp():
    with FakeWhatsApp() as fake:
        yield fake


@pytest.fixture
def smtp():
    pytest.importorskip("aiosmtpd", reason="aiosmtpd absent : le faux serveur SMTP n'est pas disponible")
    from tests.fakes.smtp import FakeSmtp

    with FakeSmtp() as fake:
        yield fake


def wa_channel(fake: FakeWhatsApp, timeout: tuple[float, float] = (2, 5)) -> WhatsAppChannel:
    return WhatsAppChannel(TOKEN, PHONE_NUMBER_ID, None, fake.url, timeout=timeout)  # our httpx client


def channels(wa: FakeWhatsApp | None = None, mail: object | None = None) -> Channels:
    return Channels(whatsapp=wa_channel(wa) if wa else None,
                    email=EmailChannel(mail.url, timeout=5) if mail is not None else None)  # type: ignore[attr-defined]
