"""« À envoyer » in the web Agenda: the wa.me links the run prepared, one tap to send, recorded once."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from functions.reminders.channels import Channels
from functions.reminders.outbox import pending
from functions.reminders.run import COLLECTION, run
from tests.reminders.conftest import ADMIN_WA, fill, make_business
from tests.web.test_office_caisse import form_of, make_office

KOFI_WA = "22891000001"


@pytest.fixture
def office(lome_clock):
    b = make_business(lome_clock)
    fill(b, date(2026, 3, 14))
    run(b, Channels())  # no WhatsApp API, no SMTP: five wa.me links are ready
    return make_office(b, lome_clock)


def buttons(html: str) -> list[tuple[str, str]]:
    """(reminder key, link) of each « Envoyer sur WhatsApp » form of the page."""
    return re.findall(r'data-lien="([^"]+)">.*?name="rappel" value="([^"]+)"', html, re.S)


def journal(b, action):
    return [r for r in b.load(["journal"]).all_rows("journal") if r["action"] == action]


def test_the_agenda_lists_the_links_and_one_tap_records_the_send(office):
    b = office.biz
    admin = office.login_admin()
    html = admin.get("/agenda").get_data(as_text=True)
    assert "À envoyer (5)" in html
    listed = buttons(html)
    assert len(listed) == 5
    links = [link.replace("&amp;", "&") for link, _ in listed]
    assert any(link.startswith(f"https://wa.me/{KOFI_WA}?text=Bonjour%20Kofi%20Mensah") for link in links)
    assert sum(link.startswith(f"https://wa.me/{ADMIN_WA}?text=") for link in links) == 3  # today, stock, summary
    assert "91\u00a000\u00a000\u00a001" in html  # the recipient as people read it (national form)
    assert re.search(r'<script src="/static/agenda\.[0-9a-f]{12}\.js"', html)

    link, key = next((lk, k) for lk, k in listed if f"wa.me/{KOFI_WA}" in lk)
    hidden = form_of(html, "/agenda/rappels/envoyer")
    r = admin.post("/agenda/rappels/envoyer", data={"csrf": hidden["csrf"], "rappel": key})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f'content="0;url={link}"' in page and "noté comme envoyé" in page
    doc = b.state.get(COLLECTION, key)
    assert doc["tapped_by"] == "Awa Mensah" and doc["tapped"]
    sent = journal(b, "rappel envoyé")
    assert len(sent) == 1 and sent[0]["actor"] == "Awa Mensah" and "91\u00a000\u00a000\u00a001" in sent[0]["changes"]
    assert sent[0]["row"] == doc["item"] and sent[0]["changes"].startswith("Lien WhatsApp envoyé à ")
    # Gone from the list; a second tap (JSON, as the page's script sends it) opens it again, records nothing.
    html = admin.get("/agenda").get_data(as_text=True)
    assert "À envoyer (4)" in html and key not in html
    r = admin.post("/agenda/rappels/envoyer", data={"csrf": hidden["csrf"], "rappel": key},
                   headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.get_json() == {"lien": link.replace("&amp;", "&")}
    assert len(journal(b, "rappel envoyé")) == 1
    assert b.verify_journal().ok


def test_an_employee_sees_the_agenda_reminders_only_and_cannot_send_the_owners_alerts(office):
    b = office.biz
    employee = office.login_employee()
    html = employee.get("/agenda").get_data(as_text=True)
    listed = buttons(html)
    assert len(listed) == 3 and "Stock bas" not in html and "Résumé" not in html
    owner_key = next(k for k, d in b.state.list(COLLECTION, prefix="2026-03-14:") if d.get("rule") == "resume")
    hidden = form_of(html, "/agenda/rappels/envoyer")
    r = employee.post("/agenda/rappels/envoyer", data={"csrf": hidden["csrf"], "rappel": owner_key})
    assert r.status_code == 404 and not b.state.get(COLLECTION, owner_key).get("tapped")
    r = employee.post("/agenda/rappels/envoyer", data={"csrf": hidden["csrf"], "rappel": "2026-03-14:inconnu"})
    assert r.status_code == 404
    assert journal(b, "rappel envoyé") == []


def test_links_of_yesterday_stay_listed_older_ones_do_not(lome_clock):
    b = make_business(lome_clock)
    fill(b, date(2026, 3, 14))
    run(b, Channels())
    assert len(pending(b.state, date(2026, 3, 15), admin=True)) == 5
    assert pending(b.state, date(2026, 3, 16), admin=True) == []
    assert len(pending(b.state, date(2026, 3, 14) + timedelta(days=1), admin=False)) == 3


def test_the_dashboard_lists_the_links_too_and_one_tap_there_records_the_send(office):
    b = office.biz
    admin = office.login_admin()
    html = admin.get("/").get_data(as_text=True)
    assert "À envoyer (5)" in html
    (link, key), *_ = buttons(html)
    hidden = form_of(html, "/agenda/rappels/envoyer")
    r = admin.post("/agenda/rappels/envoyer", data={"csrf": hidden["csrf"], "rappel": key})
    assert r.status_code == 200
    assert "À envoyer (4)" in admin.get("/").get_data(as_text=True)
    assert len(journal(b, "rappel envoyé")) == 1


def test_an_employee_without_the_agenda_sees_no_reminder_on_the_dashboard(office):
    office.biz.set_settings({"perm_agenda": "Non"}, "Awa")
    html = office.login_employee().get("/").get_data(as_text=True)
    assert "À envoyer" not in html and "wa.me" not in html
