"""French numbers and words everywhere a person reads (issue 16, item 5).

Every page, as the admin and as an employee, over the demo guesthouse, and the notices and errors the
actions leave, must carry no unformatted number (« 1434350 », « 33.3 % », « 1.5 × ») and no English word.
The Journal's changes are formatted by their column's type, and « Activité récente » tells sentences.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import unquote

import pytest

from functions.templating import day, percent, qty, sort_key
from tests.web.conftest import SECRET, Shell
from tests.web.test_360 import pages

#: Words that give away an untranslated page or a leaked value.
ENGLISH = ("None", "True", "False", "null", "undefined", "NaN", "Error", "Submit", "Save", "Delete", "Cancel",
           "Loading", "Not Found", "Forbidden", "Traceback", "Bad Request", "Method Not Allowed", "Unauthorized",
           "Next", "Previous", "Search", "Login", "Logout", "Password", "Dashboard", "Invalid", "required")
ALLOWED = [r"\d{2}/\d{2}/\d{4}", r"\d{1,2}:\d{2}(?::\d{2})?", r"(?<![\d\u00a0])0\d{3,}(?!\d)", r"\b(?:19|20)\d{2}\b",
           r"\b2048\b", r"\b[A-Z0-9]{8}\b"]


def visible_text(page_html: str) -> str:
    """What a person reads: the text, the placeholders and the options (no script, style, markup; no
    ``<code>``, where the manual shows what one types, « 25.000 »)."""
    text = re.sub(r"(?s)<(script|style|code)\b.*?</\1>", " ", page_html)
    text = re.sub(r'placeholder="([^"]*)"', r"> \1 <", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return html_lib.unescape(text)


def unformatted(text: str) -> list[str]:
    """Raw numbers: a run of 4+ digits without its thousands spaces, or a dot decimal."""
    rest = text
    for pattern in ALLOWED:
        rest = re.sub(pattern, " ", rest)
    found = re.findall(r"(?<![\w.,\u00a0])\d{4,}(?![\w])", rest)
    found += re.findall(r"\d+\.\d+(?:\s?%|\s?×|\u00a0FCFA| FCFA)?", rest)
    return found


def english(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"(?<![\w/.-]){re.escape(w)}(?![\w/.-])", text)]


def test_the_checks_catch_the_cases_of_the_issue():
    for raw in ("dépasse le solde restant (25000)", "compté 1434350, attendu 1436350", "100000 → 125000",
                "33.3 %", "1.5 × Jus de bissap"):
        assert unformatted(raw), raw
    for fine in ("25\u00a0000\u00a0FCFA", "33,3\u00a0%", "1,5 × Jus de bissap", "01/12/2026 16:04", "N° 00103",
                 "décembre 2026", "Point de contrôle KZQY8XSY"):
        assert not unformatted(fine), fine
    assert english("Error: None") == ["None", "Error"] and not english("Erreur : aucune")


def test_the_filters_write_french_numbers_and_dates():
    assert percent(Decimal("0.333")) == "33,3\u00a0%" and percent(None) == "—"
    assert qty(Decimal("1.5")) == "1,5" and qty(Decimal("1500")) == "1\u00a0500" and qty(Decimal("2.000")) == "2"
    assert day(datetime(2026, 12, 1, 16, 4)) == "01/12/2026 16:04" and day("2026-12-01T16:04:33") == "01/12/2026 16:04"
    assert day("2026-12-01") == "01/12/2026" and day("pas une date") == "pas une date"


def test_names_sort_the_french_way():
    names = ["Zoé", "Élodie", "eli", "Ama", "Émile", "Edem"]
    assert sorted(names, key=sort_key) == ["Ama", "Edem", "eli", "Élodie", "Émile", "Zoé"]


@pytest.fixture(scope="module")
def demo_shell():
    from functions import demo
    from functions.business import Business
    from functions.state.memory import MemoryStateStore
    from functions.store.backend import MemoryBackend
    from functions.store.workbook import Workbook
    from functions.web.app import create_app
    from tests.conftest import Clock

    clock = Clock(datetime(2026, 12, 1, 16, 4, tzinfo=UTC))
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock)
    biz.init({"business_name": "Résidence Le Palmier", "business_type": "Auberge", "currency": "XOF"})
    demo.fill(biz, clock.when)
    biz.clock = clock
    shell = Shell(biz, clock)
    shell.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET})
    shell.app.testing = True
    return shell


@pytest.mark.parametrize("role", ["admin", "employee"])
def test_every_page_reads_in_french(demo_shell, role):
    client = demo_shell.login_admin() if role == "admin" else demo_shell.login_employee()
    problems, read, shared = [], 0, 0
    for name, path in pages(demo_shell.biz).items():
        r = client.get(path)
        if r.status_code in (302, 303, 403):
            continue
        read += 1
        body = r.get_data(as_text=True)
        text = visible_text(body)
        for link in re.findall(r'href="https://wa\.me/[^"?]*\?text=([^"]*)"', body):  # WhatsApp texts too
            text += "\n" + unquote(html_lib.unescape(link))
            shared += 1
        if name == "manuel":  # the manual quotes what people type: « 25.000 » is an example of input
            text = re.sub(r"«[^»]*»", " ", text)
        problems += [f"{name}: nombre brut {n!r}" for n in unformatted(text)]
        problems += [f"{name}: mot anglais {w!r}" for w in english(text)]
    assert read >= (25 if role == "admin" else 10) and shared >= 1
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_journal_shows_amounts_and_times_formatted(demo_shell):
    html = demo_shell.login_admin().get("/journal?onglet=Investissements").get_data(as_text=True)
    assert re.search(r"Montant initial : <span class=\"new\">\d{1,3}(?:\u00a0\d{3})+\u00a0FCFA</span>", html)
    html = demo_shell.login_admin().get("/journal?onglet=Agenda").get_data(as_text=True)
    assert 'Heure : <span class="new">09:00</span>' in html


def test_recent_activity_tells_sentences(demo_shell):
    from functions.web.office_journal import sentence

    book = demo_shell.biz.book()
    payment = next(j for j in book.all_rows("journal") if j["action"] == "paiement" and "Prestation ID" in j["changes"])
    pid = re.search(r"Prestation ID : (\w+)", payment["changes"]).group(1)
    number = book.find("prestations", pid)["number"]
    amount = re.search(r"Montant : (\d+)", payment["changes"]).group(1)
    grouped = f"{int(amount):,}".replace(",", "\u00a0")
    first = str(payment["actor"]).split()[0]
    assert sentence(book, payment) == f"{first} a encaissé {grouped}\u00a0FCFA — réservation {number}"
    home = visible_text(demo_shell.login_admin().get("/").get_data(as_text=True)).split("Activité récente")[1]
    assert " a " in home and "Heure :" not in home and "Type :" not in home


def test_clients_are_listed_in_french_order(demo_shell):
    html = demo_shell.login_admin().get("/clients").get_data(as_text=True)
    names = [html_lib.unescape(n) for n in re.findall(r'<a href="/clients/\w+">([^<]+)</a>', html)]
    assert len(names) >= 10 and names == sorted(names, key=sort_key)
    assert any(n.startswith("É") for n in names)  # « Élodie », « Éric » among the E, not after « Zoé »
