"""The pure selection: settings, recipients, unpaid balances (off by default), the morning summary."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from functions.reminders import messages, rules
from functions.reminders.channels import parse_smtp_url
from tests.reminders.conftest import ADMIN_WA, make_business


@pytest.mark.parametrize("raw, country, want", [
    ("+228 90 11 22 33", "TG", "22890112233"), ("90 11 22 33", "TG", "22890112233"),
    ("0022890112233", "SN", "22890112233"), ("07 07 12 34 56", "CI", "2250707123456"),
    ("06 12 34 56 78", "FR", "33612345678"), ("22890112233", "TG", "22890112233"), ("12", "TG", ""), ("", "TG", ""),
])
def test_whatsapp_numbers(raw, country, want):
    assert rules.wa_number(raw, country) == want


@pytest.mark.parametrize("text, want", [("08:00", (8, 0)), ("7h30", (7, 30)), ("18", (18, 0)), ("25:00", None),
                                        ("midi", None)])
def test_reminder_hour(text, want):
    got = rules.parse_hour(text)
    assert (got.hour, got.minute) == want if want else got is None


def test_bad_settings_fall_back_with_a_french_warning(lome_clock):
    b = make_business(lome_clock, hour="midi")
    s = rules.Settings.from_book(b.load(["settings"]))
    assert s.hour.hour == 8 and any("Heure des rappels « midi »" in w for w in s.warnings)
    assert not s.unpaid and s.summary and s.low_stock and s.templates["agenda"] == "ttr_rappel_agenda"


def test_extra_settings_read_by_their_french_label(lome_clock):
    b = make_business(lome_clock)
    grid = b.workbook.backend.grid("Paramètres")
    grid += [["Rappels de solde aux clients", "Oui"], ["Délai des rappels de solde (jours)", "3"],
             ["Modèle WhatsApp : stock bas", "mon_modele_stock"], ["Langue des modèles WhatsApp", "fr_FR"]]
    s = rules.Settings.from_book(b.load(["settings"]))
    assert s.unpaid and s.unpaid_days == 3 and s.templates["stock"] == "mon_modele_stock" and s.language == "fr_FR"


def test_pour_names_a_person(lome_clock):
    b = make_business(lome_clock)
    b.add("clients", {"name": "Adjoa Éklou", "phone": "91 22 33 44"}, "Awa")
    book = b.load(["settings", "clients"])
    s = rules.Settings.from_book(book)
    assert rules.resolve(book, "adjoa eklou", s).phone == "22891223344"
    assert rules.resolve(book, "+228 99 88 77 66", s).phone == "22899887766"
    assert rules.resolve(book, "x@y.tg", s).email == "x@y.tg"
    unknown = rules.resolve(book, "Le comptable", s)
    assert unknown.admin and unknown.phone == ADMIN_WA and unknown.name == "Le comptable"
    assert rules.resolve(book, "", s) == s.admin


def unpaid_shop(clock, enabled: str):
    b = make_business(clock)
    b.workbook.backend.grid("Paramètres").append(["Rappels de solde aux clients", enabled])
    cid = b.add("clients", {"name": "Kofi", "phone": "91 00 00 01"}, "Awa")["id"]
    pid = b.add_prestation({"client_id": cid, "client": "Kofi", "start": date(2026, 3, 1), "end": date(2026, 3, 7),
                            "total": Decimal(50000), "status": "Terminée"}, "Awa")["id"]
    b.record_payment(Decimal(20000), "Awa", prestation_id=pid)
    paid = b.add("clients", {"name": "Ama", "phone": "91 00 00 02"}, "Awa")["id"]
    b.add_prestation({"client_id": paid, "client": "Ama", "start": date(2026, 3, 1), "end": date(2026, 3, 7),
                      "total": Decimal(10000), "status": "Terminée"}, "Awa", paid_now=Decimal(10000))
    return b


@pytest.mark.parametrize("day, due", [(date(2026, 3, 13), False), (date(2026, 3, 14), True), (date(2026, 3, 15), False),
                                      (date(2026, 3, 21), True), (date(2026, 3, 28), True), (date(2026, 4, 4), False)])
def test_unpaid_reminder_every_delay_days_three_times(lome_clock, day, due):
    b = unpaid_shop(lome_clock, "Oui")
    book = b.load()
    got = [d for d in rules.due(book, day, rules.Settings.from_book(book)) if d.rule == rules.UNPAID]
    assert [(d.recipient.phone, d.context["balance"]) for d in got] == ([("22891000001", "30\u00a0000\u00a0FCFA")]
                                                                       if due else [])
    if due:
        subject, text = messages.render(rules.UNPAID, got[0].context)
        assert "il reste 30\u00a0000\u00a0FCFA à régler" in text and "ne pas tenir compte" in text


def test_unpaid_reminders_are_off_by_default(lome_clock):
    b = unpaid_shop(lome_clock, "Non")
    book = b.load()
    assert [d for d in rules.due(book, date(2026, 3, 14), rules.Settings.from_book(book)) if d.rule == rules.UNPAID] == []


def test_morning_summary_figures(lome_clock):
    b = make_business(lome_clock)
    lome_clock.when = lome_clock.when.replace(day=13)
    b.revenue(Decimal(7000), "Awa")
    b.expense(Decimal(2000), "Loyer", "Awa")
    lome_clock.when = lome_clock.when.replace(day=14)
    b.revenue(Decimal(1000), "Awa")  # today: not yesterday's sales
    b.add("agenda", {"title": "Appeler le plombier", "date": date(2026, 3, 14)}, "Awa")
    b.add_prestation({"client": "Yao", "start": date(2026, 3, 14), "type": "Chambre 2", "total": Decimal(15000)}, "Awa")
    book = b.load()
    summary = next(d for d in rules.due(book, date(2026, 3, 14), rules.Settings.from_book(book))
                   if d.rule == rules.SUMMARY)
    assert summary.context["sales"] == "7\u00a0000\u00a0FCFA" and summary.context["cash"] == "6\u00a0000\u00a0FCFA"
    assert summary.context["arrivals"] == ["Yao (Chambre 2)"] and summary.context["agenda"] == ["Appeler le plombier"]
    params = messages.params(rules.SUMMARY, summary.context)
    assert len(params) == 5 and all("\n" not in p for p in params)


def test_template_parameters_never_break_the_api_rules():
    assert messages.param_text("a\nb\t c     d") == "a b c d"
    assert messages.param_text("") == "-" and messages.param_text([]) == "aucun"
    assert len(messages.param_text("x" * 5000)) == messages.PARAM_LIMIT


def test_smtp_url():
    c = parse_smtp_url("smtps://rappels%40awa.tg:mot%20de%20passe@smtp.awa.tg")
    assert (c["host"], c["port"], c["ssl"], c["user"], c["password"]) == ("smtp.awa.tg", 465, True, "rappels@awa.tg",
                                                                          "mot de passe")
    assert parse_smtp_url("smtp://h:587")["starttls"] and not parse_smtp_url("smtp://h:25")["starttls"]
    with pytest.raises(ValueError):
        parse_smtp_url("http://h")


def test_agenda_item_on_the_day_with_time(lome_clock):
    b = make_business(lome_clock)
    b.add("agenda", {"title": "RDV", "date": date(2026, 3, 17), "time": time(10, 15), "reminder": "3 jours avant"},
          "Awa")
    book = b.load()
    got = rules.agenda_due(book, date(2026, 3, 14), rules.Settings.from_book(book))
    assert [(d.context["when"], d.context["hour"]) for d in got] == [("dans 3 jours", "10:15")]
    assert rules.agenda_due(book, date(2026, 3, 15), rules.Settings.from_book(book)) == []
