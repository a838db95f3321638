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


# -- one stored form, the national form shown (issue 16: "90 11 22 33" beside "+228 …") -------------------
@pytest.mark.parametrize("raw, country, stored, shown", [
    ("90 11 22 33", "TG", "+22890112233", "90 11 22 33"),
    ("+228 90 11 22 33", "TG", "+22890112233", "90 11 22 33"),
    ("00228-90-11-22-33", "TG", "+22890112233", "90 11 22 33"),
    ("07 07 12 34 56", "CI", "+2250707123456", "07 07 12 34 56"),
    ("0707123456", "CI", "+2250707123456", "07 07 12 34 56"),
    ("77 123 45 67", "SN", "+221771234567", "77 123 45 67"),
    ("97 12 34 56", "BJ", "+2290197123456", "01 97 12 34 56"),  # Bénin's old eight digits get their 01
    ("01 97 12 34 56", "BJ", "+2290197123456", "01 97 12 34 56"),
    ("70 12 34 56", "BF", "+22670123456", "70 12 34 56"),
    ("76 12 34 56", "ML", "+22376123456", "76 12 34 56"),
    ("96 12 34 56", "NE", "+22796123456", "96 12 34 56"),
    ("6 71 23 45 67", "CM", "+237671234567", "6 71 23 45 67"),
])
def test_a_number_is_stored_once_and_shown_the_national_way(raw, country, stored, shown):
    from functions.phones import e164, national, normalize

    assert normalize(raw, country) == e164(raw, country) == stored
    assert national(stored, country).replace("\u00a0", " ") == shown


def test_a_foreign_number_keeps_its_calling_code_when_shown():
    from functions.phones import national

    assert national("+2250707123456", "TG").replace("\u00a0", " ") == "+225 07 07 12 34 56"
    assert national("+22890112233", "CI").replace("\u00a0", " ") == "+228 90 11 22 33"


def test_text_that_is_not_a_number_is_refused_in_french_and_shown_as_typed():
    from functions.errors import InvalidInputError
    from functions.phones import national, normalize

    assert normalize("", "TG") == ""
    with pytest.raises(InvalidInputError, match="Numéro de téléphone invalide.*90"):
        normalize("12 34", "TG")
    assert national("voir Afi", "TG") == "voir Afi"


def test_a_client_typed_in_the_app_is_stored_in_the_international_form(biz):
    from functions.books.records import validate

    values = validate(biz.book(), "clients", {"name": "Afi", "phone": "90 11 22 33"})
    assert values["phone"] == "+22890112233"
