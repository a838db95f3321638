"""Amounts as people type them (issue 12, "Amounts as people type them"; DESIGN.md principle 14)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions import money
from functions.errors import InvalidInputError
from functions.store.codec import Codec

D = Decimal


@pytest.mark.parametrize("typed", ["25.000", "25,000", "25 000", "25\u00a0000", "25\u202f000", "25 000 F",
                                   "25000 FCFA", "25.000 F", "25 000 F CFA", "FCFA 25000", "25000"])
def test_a_dot_comma_or_space_groups_thousands_in_fcfa(typed):
    assert money.parse_amount(typed, "XOF") == D(25000)
    assert Codec("XOF").money(typed) == D(25000)


@pytest.mark.parametrize("typed, expected", [("1.000", 1000), ("2.500", 2500), ("1.000.000", 1_000_000),
                                             ("1 000 000", 1_000_000), ("-2.500", -2500)])
def test_the_cases_seen_are_read_as_thousands(typed, expected):
    assert money.parse_amount(typed, "XOF") == D(expected)


@pytest.mark.parametrize("typed", ["100.5", "1,5", "25.00", "12500.6", "25,000.5", "1.0000"])
def test_fcfa_has_no_cents_and_nothing_is_rounded_away(typed):
    with pytest.raises(InvalidInputError, match="montants en FCFA n'ont pas de centimes") as caught:
        money.parse_amount(typed, "XOF", field="total")
    assert (caught.value.field, caught.value.code) == ("total", "decimals")


@pytest.mark.parametrize("typed", ["25 00", "1.000,000", "1.000 000", "abc", "1e5", "25000 EUR", "--5", "12-3"])
def test_what_is_not_an_amount_is_refused_in_french(typed):
    with pytest.raises(InvalidInputError) as caught:
        money.parse_amount(typed, "XOF")
    assert caught.value.code in ("not_a_number", "decimals")


@pytest.mark.parametrize("typed, expected", [("12,50", "12.50"), ("12.50", "12.50"), ("1 234,56", "1234.56"),
                                             ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("12,50 €", "12.50"),
                                             ("1.000.000", "1000000.00")])
def test_a_currency_with_decimals_follows_the_locale(typed, expected):
    assert money.parse_amount(typed, "EUR") == D(expected)


def test_more_decimals_than_the_currency_has_are_refused_and_ambiguity_is_asked():
    with pytest.raises(InvalidInputError, match="2 décimale") as caught:
        money.parse_amount("12,505", "EUR")
    assert caught.value.code == "decimals"
    with pytest.raises(InvalidInputError, match="2500 .* 2,50") as caught:
        money.parse_amount("2.500", "EUR")
    assert caught.value.code == "ambiguous"


@pytest.mark.parametrize("value", ["12345678901234567", "9" * 400, D("12345678901234567"), 10**13, D("1E+400"),
                                   "1 000 000 000 000"])
def test_one_maximum_keeps_every_amount_exact(value):
    with pytest.raises(InvalidInputError, match="trop grand") as caught:
        money.parse_amount(value, "XOF")
    assert caught.value.code == "too_large"
    with pytest.raises(InvalidInputError, match="trop grand"):
        Codec("XOF").to_value("money", value)


def test_the_maximum_itself_is_taken_and_is_exact_as_a_double():
    top = money.parse_amount("999 999 999 999", "XOF")
    assert top == D(money.MAX_MINOR) and D(repr(float(top))) == top
    assert money.maximum("EUR") == D("9999999999.99") and D(repr(float(money.maximum("EUR")))) == money.maximum("EUR")


def test_numbers_from_a_sheet_cell_are_exact_or_refused():
    codec = Codec("XOF")
    assert codec.to_value("money", 25000) == D(25000)
    assert codec.to_value("money", 25000.0) == D(25000)
    with pytest.raises(InvalidInputError, match="pas de centimes"):
        codec.to_value("money", 100.5)
    with pytest.raises(InvalidInputError, match="pas de centimes"):
        codec.converter("money")(D("100.5"))
    with pytest.raises(InvalidInputError, match="trop grand"):
        codec.converter("money")(12345678901234567)


def test_rounding_is_half_up_in_one_place():
    assert money.round_money(D("0.5") * 25, "XOF") == D(13)
    assert money.round_money(D("2.5"), "XOF") == D(3)
    assert money.round_money(D("0.125"), "EUR") == D("0.13")
    assert money.format_money(D("12.5"), "XOF").startswith("13")


@pytest.mark.parametrize("typed, unit, expected", [("3", "pièces", 3), ("1,5", "kg", D("1.5")), ("0.250", "litres", D("0.25")),
                                                  ("2", "", 2), ("1.125", "kg", D("1.125"))])
def test_quantities_follow_the_unit(typed, unit, expected):
    assert money.parse_quantity(typed, unit) == D(expected)


@pytest.mark.parametrize("typed, unit, code", [("0.0001", "pièces", "decimals"), ("0.0001", "kg", "decimals"),
                                              ("1.5", "sacs", "decimals"), ("0", "pièces", "zero"),
                                              ("-1", "kg", "negative"), ("9" * 400, "", "too_large"),
                                              ("beaucoup", "", "not_a_number")])
def test_bad_quantities_are_refused(typed, unit, code):
    with pytest.raises(InvalidInputError) as caught:
        money.parse_quantity(typed, unit, field="qty")
    assert (caught.value.code, caught.value.field) == (code, "qty")


def test_a_number_of_400_digits_is_refused_not_stored():
    with pytest.raises(InvalidInputError, match="trop grand"):
        Codec("XOF").to_value("int", "9" * 400)
    with pytest.raises(InvalidInputError, match="trop grand"):
        Codec("XOF").to_value("number", "9" * 400)


def test_control_characters_are_refused_with_a_french_message():
    with pytest.raises(InvalidInputError, match="Caractère invalide") as caught:
        Codec("XOF").to_value("text", "Boutique\x00")
    assert caught.value.code == "control_char"
    assert Codec("XOF").to_value("text", "ligne 1\nligne 2\tfin") == "ligne 1\nligne 2\tfin"


def test_amounts_are_formatted_for_people():
    assert money.format_money(D(25000), "XOF") == "25\u00a0000\u00a0FCFA"
    assert money.format_money(D("1234.5"), "EUR") == "1\u00a0234,50\u00a0€"
    assert money.format_money(D(-450000), "XOF") == "-450\u00a0000\u00a0FCFA"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-money.MAX_MINOR, max_value=money.MAX_MINOR))
def test_any_fcfa_amount_formatted_reads_back_the_same(n):
    assert money.parse_amount(money.format_money(D(n), "XOF"), "XOF") == D(n)
    grouped = f"{abs(n):,}".replace(",", ".")
    assert money.parse_amount(("-" if n < 0 else "") + grouped, "XOF") == D(n)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-money.MAX_MINOR, max_value=money.MAX_MINOR))
def test_any_euro_amount_formatted_reads_back_the_same(cents):
    amount = D(cents).scaleb(-2)
    assert money.parse_amount(money.format_money(amount, "EUR"), "EUR") == amount
    assert Codec("EUR").to_value("money", float(amount)) == amount


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=money.MAX_MINOR), st.sampled_from([".", ",", " ", "\u00a0", "\u202f"]),
       st.sampled_from(["", " F", " FCFA", "F", " F CFA"]))
def test_any_thousands_separator_and_currency_mark_read_the_same_amount(n, sep, mark):
    typed = f"{n:,}".replace(",", sep) + mark
    assert money.parse_amount(typed, "XOF") == D(n)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=99))
def test_cents_are_never_rounded_away_in_fcfa(n, cents):
    for sep in (".", ","):
        with pytest.raises(InvalidInputError):
            money.parse_amount(f"{n}{sep}{cents}", "XOF")
