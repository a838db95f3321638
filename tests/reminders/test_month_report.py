"""The month's report in the morning summary on the 1st (issue 17 item 4): off by default; when on, last
month's chiffre d'affaires, dépenses and résultat — the Rapports page's figures — and the PDF link when
the app has a public address; pandas is imported by the reminders only then."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from functions.reminders import rules
from functions.reminders.messages import render
from functions.reminders.run import run
from functions.reports import figures, periods
from functions.templating import money
from tests.conftest import Clock
from tests.reminders.conftest import ADMIN_EMAIL, channels, make_business
from tests.reports.conftest import closed_years

FIRST = date(2026, 4, 1)
URL = "https://gestion.chez-awa.tg"


def march(b) -> None:
    """March 2026: 30 000 paid on a stay, a 2 500 quick sale, 12 000 of rent, a 1 000 refund; April's first sale."""
    clock = b.clock
    clock.when = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    kofi = b.add("clients", {"name": "Kofi Mensah", "phone": "+22891000001"}, "Awa")["id"]
    stay = b.add_prestation({"client_id": kofi, "type": "Chambre", "start": date(2026, 3, 5), "end": date(2026, 3, 7),
                             "total": 40000}, "Awa", paid_now=30000, method="Espèces")["id"]
    soap = b.add("stock", {"article": "Savon", "for_sale": "Oui", "sale_price": 500}, "Awa")["id"]
    b.stock_adjust(soap, "Entrée", 20, "Awa")
    b.quick_sale([(soap, 5)], "Awa", method="Mobile Money")
    clock.when = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    b.expense(12000, "Loyer", "Awa", method="Espèces")
    b.refund(1000, "Awa", prestation_id=stay, method="Espèces", reason="Geste")
    clock.when = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    b.quick_sale([(soap, 1)], "Awa")  # April: not in March's report


def summary_of(b, day: date, public_url: str = "") -> rules.Due:
    book = b.book()
    settings = rules.Settings.from_book(book, public_url=public_url)
    return next(d for d in rules.due(book, day, settings) if d.rule == rules.SUMMARY)


def test_off_by_default_and_on_the_first_only():
    b = make_business(Clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)))
    march(b)
    assert not rules.Settings.from_book(b.book()).month_report
    assert summary_of(b, FIRST).context["month"] is None
    b.set_settings({"reminder_month_report": "Oui"}, "Awa")
    assert summary_of(b, date(2026, 4, 2)).context["month"] is None


def test_on_the_first_the_summary_has_last_months_rapports_figures_and_the_pdf_link():
    b = make_business(Clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)), reminder_month_report="Oui")
    march(b)
    month = summary_of(b, FIRST, URL).context["month"]
    page = figures.compute(b.book(), periods.period("last_month", FIRST), FIRST)
    # by hand: 30 000 + 2 500 − 1 000 = 31 500 in, 12 000 out, 19 500 left
    assert month["revenue"] == money(31500, "XOF") == money(page.revenue, "XOF")
    assert month["expenses"] == money(12000, "XOF") == money(page.expenses, "XOF")
    assert month["result"] == money(19500, "XOF") == money(page.result, "XOF")
    assert month["label"] == "mars 2026"
    assert month["link"] == f"{URL}/rapports/export.pdf?periode=custom&du=2026-03-01&au=2026-03-31"
    assert summary_of(b, FIRST).context["month"]["link"] == ""  # no public address: no link


def test_the_email_of_the_first_carries_the_report(smtp, monkeypatch):
    monkeypatch.setenv("TTR_PUBLIC_URL", URL + "/")
    b = make_business(Clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)), reminder_month_report="Oui")
    march(b)
    b.clock.when = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # 09:00 in Lomé, after the 08:00 reminders
    result = run(b, channels(None, smtp))
    assert result.state == "fait", result.lines()
    mail = next(m for m in smtp.messages if m["Subject"].startswith("Résumé") and m["To"] == ADMIN_EMAIL)
    body = mail.get_content()
    assert (f"Rapport de mars 2026 : chiffre d'affaires {money(31500, 'XOF')}, dépenses {money(12000, 'XOF')}, "
            f"résultat {money(19500, 'XOF')}") in body
    assert f"Rapport en PDF : {URL}/rapports/export.pdf?periode=custom&du=2026-03-01&au=2026-03-31" in body


SCRIPT = r'''
import sys
from datetime import UTC, date, datetime
from tests.conftest import Clock
from tests.reminders.conftest import make_business
from tests.reminders.test_month_report import march
from functions.reminders import rules
b = make_business(Clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)), reminder_month_report=sys.argv[1])
march(b)
book = b.book()
due = rules.due(book, date.fromisoformat(sys.argv[2]), rules.Settings.from_book(book))
month = next(d for d in due if d.rule == rules.SUMMARY).context["month"]
print("pandas" in sys.modules, bool(month))
'''


def reminders_import_pandas(setting: str, day: str) -> str:
    out = subprocess.run([sys.executable, "-c", SCRIPT, setting, day], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-1500:]
    return out.stdout.strip()


def test_the_reminders_import_pandas_only_for_the_report_of_the_first():
    assert reminders_import_pandas("Non", "2026-04-01") == "False False"
    assert reminders_import_pandas("Oui", "2026-04-02") == "False False"
    assert reminders_import_pandas("Oui", "2026-04-01") == "True True"


def test_a_month_closed_into_an_archive_sends_to_the_rapports_page(tmp_path):
    biz, _ids, close, _clock = closed_years(tmp_path)
    biz.set_settings({"reminder_month_report": "Oui"}, "Awa")
    assert summary_of(biz, date(2026, 1, 1), URL).context["month"]["revenue"] != ""  # December still live
    close(2025)
    month = summary_of(biz, date(2026, 1, 1), URL).context["month"]  # a summary of 1 January caught up late
    assert month["closed"] and month["revenue"] == "" and month["label"] == "décembre 2025"
    _subject, text = render(rules.SUMMARY, summary_of(biz, date(2026, 1, 1), URL).context)
    assert "Rapport de décembre 2025 : l'exercice est clôturé, voyez la page Rapports" in text
    assert "Rapport en PDF : " + URL in text
