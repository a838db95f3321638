"""One rule for phone numbers: WhatsApp links, receipts, TRIX, reminders and logins agree."""

from __future__ import annotations

import pytest

from functions.accounts.passwords import normalize_phone
from functions.phones import wa_link, wa_number


@pytest.mark.parametrize("raw, country, expected", [
    ("90 11 22 33", "TG", "22890112233"),
    ("+228 90 11 22 33", "TG", "22890112233"),
    ("00228 90 11 22 33", "TG", "22890112233"),
    ("22890112233", "TG", "22890112233"),
    ("07 07 12 34 56", "CI", "2250707123456"),  # Côte d'Ivoire keeps its 0 since 2021
    ("06 12 34 56 78", "FR", "33612345678"),  # a French trunk 0 is dropped
    ("77 123 45 67", "SN", "221771234567"),
    ("123", "TG", ""),
    ("", "TG", ""),
])
def test_wa_number(raw, country, expected):
    assert wa_number(raw, country) == expected


def test_wa_link_without_a_phone_lets_the_person_choose():
    assert wa_link("", "Bonjour à vous", "TG") == "https://wa.me/?text=Bonjour%20%C3%A0%20vous"
    assert wa_link("07 07 12 34 56", "Reçu", "CI") == "https://wa.me/2250707123456?text=Re%C3%A7u"


@pytest.mark.parametrize("raw, code, expected", [
    ("90 11 22 33", "228", "+22890112233"),
    ("07 07 12 34 56", "225", "+2250707123456"),
    ("06 12 34 56 78", "33", "+33612345678"),
    ("+225 07 07 12 34 56", "228", "+2250707123456"),
])
def test_login_phone_numbers_agree_with_whatsapp(raw, code, expected):
    assert normalize_phone(raw, code) == expected
