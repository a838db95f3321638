"""The run: what is sent on which channel, exactly once, with one read and at most one write."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest

from functions.errors import BackendError
from functions.reminders.channels import Channels
from functions.reminders.run import COLLECTION, LEASE_SECONDS, MAX_ATTEMPTS, run
from tests.reminders.conftest import ADMIN_EMAIL, ADMIN_WA, channels, fill, make_business

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
KOFI_WA, SUPPLIER_WA = "22891000001", "22892000002"


def requests_of(b):
    return dict(b.workbook.backend.requests)


def delta(before, after):
    return {k: after[k] - before[k] for k in before}


def agenda(b, rid):
    return b.load(["agenda"]).find("agenda", rid)


def journal(b, action=None):
    rows = b.load(["journal"]).all_rows("journal")
    return [r for r in rows if action is None or r["action"] == action]


def test_whatsapp_and_email_each_once_with_two_reads_and_one_write(shop, whatsapp, smtp):
    b, ids = shop
    before = requests_of(b)
    summary = run(b, channels(whatsapp, smtp))
    # one read to plan and send (outside the workbook lock), one in the action that records it all
    assert delta(before, requests_of(b)) == {"read": 2, "write": 1}
    assert summary.state == "fait" and not summary.failures, summary.lines()
    sent = whatsapp.sent()
    to_template = sorted((to, name) for to, name, _ in sent)
    assert to_template == sorted([(KOFI_WA, "ttr_rappel_agenda"), (ADMIN_WA, "ttr_rappel_agenda"),
                                  (SUPPLIER_WA, "ttr_rappel_agenda"), (ADMIN_WA, "ttr_stock_bas"),
                                  (ADMIN_WA, "ttr_resume_matin")])
    params = {p[0]: p for to, name, p in sent if name == "ttr_rappel_agenda"}
    assert params["Livraison farine"][1:3] == ["demain", "dimanche 15 mars 2026"]
    assert params["Visite du fournisseur"][1] == "dans 7 jours"
    stock = next(p for _, name, p in sent if name == "ttr_stock_bas")
    assert stock[0] == "1" and "Riz : 3 sacs" in stock[1] and "Huile" not in stock[1]
    # Email: Kofi (a client with an email) and the admin (today's item, stock, summary).
    assert sorted(m["To"] for m in smtp.messages) == sorted(["kofi@example.com"] + [ADMIN_EMAIL] * 3)
    assert smtp.logins and all(m["Message-ID"].startswith("<ttr.") for m in smtp.messages)
    summary_mail = next(m for m in smtp.messages if m["Subject"].startswith("Résumé"))
    assert "Solde de caisse" in summary_mail.get_content() and "Payer le loyer" in summary_mail.get_content()
    # Dernier rappel on the reminded items, not on the others; no wa.me link when the API is there.
    for key in ("tomorrow", "today", "week"):
        row = agenda(b, ids[key])
        assert row["last_reminder"] == datetime(2026, 3, 14, 9, 30) and not row["reminder_link"]
    for key in ("done", "cancelled", "other_day", "no_reminder"):
        assert agenda(b, ids[key])["last_reminder"] is None
    assert len(journal(b, "rappel")) == len(sent) + len(smtp.messages)
    assert b.verify_journal().ok

    # Again the same day (a redelivery, a later hourly run): nothing sent, nothing read, nothing written.
    before = requests_of(b)
    again = run(b, channels(whatsapp, smtp))
    assert again.state == "déjà fait"
    assert delta(before, requests_of(b)) == {"read": 0, "write": 0}
    assert len(whatsapp.sent()) == 5 and len(smtp.messages) == 4
    # Forcing the day re-reads but still sends nothing twice.
    forced = run(b, channels(whatsapp, smtp), day=date(2026, 3, 14))
    assert forced.count("déjà envoyé") == 9 and forced.count("envoyé") == 0
    assert len(whatsapp.sent()) == 5 and len(smtp.messages) == 4


def test_zero_setup_writes_wa_me_links_and_a_sync_keeps_them(shop):
    b, ids = shop
    summary = run(b, Channels())
    # Nothing left the machine: five links are ready for a person to send, none is reported as sent.
    assert summary.count("envoyé") == 0 and summary.count("lien prêt") == 5
    assert "0 envoyé(s), 5 lien(s) WhatsApp prêt(s) à envoyer" in summary.lines()[1]
    assert summary.to_dict()["envoyes"] == 0 and summary.to_dict()["liens_prets"] == 5
    row = agenda(b, ids["tomorrow"])
    assert row["reminder_link"].startswith(f"https://wa.me/{KOFI_WA}?text=Bonjour%20Kofi%20Mensah")
    assert agenda(b, ids["today"])["reminder_link"].startswith(f"https://wa.me/{ADMIN_WA}?text=")
    # Stock and summary are for the owner: the business phone is their channel, through wa.me links.
    owner = {o.subject.split(" ")[0]: o for o in summary.outcomes if o.rule in ("stock", "resume")}
    assert set(owner) == {"Stock", "Résumé"}, summary.lines()
    assert all(o.address == ADMIN_WA and o.detail.startswith(f"https://wa.me/{ADMIN_WA}?text=")
               for o in owner.values())
    assert not any("aucun canal" in w for w in summary.warnings)
    texts = [r["changes"] for r in journal(b, "rappel")]
    assert texts and all(t.startswith("Lien WhatsApp prêt à envoyer à ") for t in texts), texts
    # The next sync neither wipes the reminder columns nor journals them as hand edits.
    rows_before = {r.id: (r["last_reminder"], r["reminder_link"]) for r in b.load(["agenda"]).rows("agenda")}
    journal_before = len(journal(b))
    report = b.sync()
    after = {r.id: (r["last_reminder"], r["reminder_link"]) for r in b.load(["agenda"]).rows("agenda")}
    assert after == rows_before
    assert [r["action"] for r in journal(b)[journal_before:]] == []
    assert not report.errors


def test_before_the_hour_nothing_is_sent_and_nothing_written(lome_clock, whatsapp):
    lome_clock.when = datetime(2026, 3, 14, 7, 59, tzinfo=lome_clock.when.tzinfo)
    b = make_business(lome_clock)
    fill(b, date(2026, 3, 14))
    before = requests_of(b)
    summary = run(b, channels(whatsapp))
    assert summary.state.startswith("pas encore l'heure") and whatsapp.sent() == []
    assert delta(before, requests_of(b)) == {"read": 1, "write": 0}


def test_one_channel_failing_does_not_stop_the_others(shop, whatsapp, smtp):
    b, ids = shop
    whatsapp.fail_next = [500]  # the first WhatsApp message fails
    smtp.refuse = {"kofi@example.com"}  # and one email address is refused
    summary = run(b, channels(whatsapp, smtp))
    assert len(whatsapp.sent()) == 4 and len(smtp.messages) == 3
    failures = summary.failures
    assert len(failures) == 2
    assert {f.channel for f in failures} == {"whatsapp", "email"}
    assert any("500" in f.detail and "nouvel essai" in f.detail for f in failures)
    assert any("refusée" in f.detail for f in failures)
    failed_journal = journal(b, "rappel en échec")
    assert len(failed_journal) == 2 and all("essai 1/" in r["changes"] for r in failed_journal)
    assert not summary.complete

    # The next hourly run retries the WhatsApp failure (not the permanent email refusal), sends the rest never.
    retry = run(b, channels(whatsapp, smtp))
    assert len(whatsapp.sent()) == 5 and len(smtp.messages) == 3
    assert retry.count("envoyé") == 1 and retry.count("échec") == 1  # the refused address, given up
    assert retry.complete
    assert run(b, channels(whatsapp, smtp)).state == "déjà fait"


def test_a_failure_is_retried_at_most_max_attempts_then_a_link_stands_in(shop, whatsapp):
    b, ids = shop
    whatsapp.fail_next = [503] * 20
    for _ in range(MAX_ATTEMPTS + 2):
        run(b, channels(whatsapp))
    assert whatsapp.sent() == []
    tries = [s for s, _ in whatsapp.refused if s == 503]
    assert len(tries) == 5 * MAX_ATTEMPTS  # 5 messages, each tried MAX_ATTEMPTS times, never more
    # After the last attempt the Agenda items get a wa.me link to send by hand.
    assert agenda(b, ids["tomorrow"])["reminder_link"].startswith(f"https://wa.me/{KOFI_WA}")
    assert len(journal(b, "rappel en échec")) == 5 * MAX_ATTEMPTS


class Crash(BaseException):
    """The process dies (not an exception the run may catch)."""


class DiesAfterSending:
    def __init__(self, channel, after: int = 1) -> None:
        self.channel, self.after = channel, after
        self.name, self.policy = channel.name, channel.policy

    def send(self, m):
        ref = self.channel.send(m)
        self.after -= 1
        if self.after == 0:
            raise Crash()
        return ref


def test_death_between_sending_and_recording_whatsapp_at_most_once(shop, whatsapp, lome_clock):
    b, ids = shop
    ch = channels(whatsapp)
    dying = Channels(whatsapp=DiesAfterSending(ch.whatsapp))
    with pytest.raises(Crash):
        run(b, dying)
    assert len(whatsapp.sent()) == 1  # it left before the process died
    # A redelivery within the lease: the claim may belong to a run still working; the others go.
    again = run(b, channels(whatsapp))
    assert len(whatsapp.sent()) == 5 and again.count("en cours") == 1
    # After the lease: at most once — reported as uncertain, never sent again; a wa.me link stands in.
    lome_clock.when += timedelta(seconds=LEASE_SECONDS + 1)
    later = run(b, channels(whatsapp))
    assert len(whatsapp.sent()) == 5
    uncertain = [o for o in later.outcomes if o.status == "incertain"]
    assert len(uncertain) == 1 and "non renvoyé" in uncertain[0].detail
    assert len(journal(b, "rappel incertain")) == 1
    links = [r for r in b.load(["agenda"]).rows("agenda") if r["reminder_link"]]
    assert len(links) == 1 and links[0]["reminder_link"].startswith("https://wa.me/")
    assert later.complete and run(b, channels(whatsapp)).state == "déjà fait"


def test_death_between_sending_and_recording_email_at_least_once(shop, smtp, lome_clock):
    b, ids = shop
    ch = channels(mail=smtp)
    with pytest.raises(Crash):
        run(b, Channels(email=DiesAfterSending(ch.email)))
    assert len(smtp.messages) == 1
    first = smtp.messages[0]
    lome_clock.when += timedelta(seconds=LEASE_SECONDS + 1)
    run(b, channels(mail=smtp))
    assert len(smtp.messages) == 5  # 4 distinct + the one re-sent…
    resent = [m for m in smtp.messages if m["Subject"] == first["Subject"] and m["To"] == first["To"]]
    assert len(resent) == 2 and resent[0]["Message-ID"] == resent[1]["Message-ID"]  # …shown once by mail services
    assert len({m["Message-ID"] for m in smtp.messages}) == 4


def test_a_failed_workbook_write_is_caught_up_without_sending_again(shop, whatsapp):
    b, ids = shop
    b.workbook.backend.fail_next_write = BackendError()
    with pytest.raises(BackendError):
        run(b, channels(whatsapp))
    assert len(whatsapp.sent()) == 5
    assert agenda(b, ids["tomorrow"])["last_reminder"] is None and journal(b, "rappel") == []
    summary = run(b, channels(whatsapp))  # Pub/Sub redelivers
    assert len(whatsapp.sent()) == 5 and summary.count("déjà envoyé") == 5
    assert agenda(b, ids["tomorrow"])["last_reminder"] == datetime(2026, 3, 14, 9, 30)
    assert len(journal(b, "rappel")) == 5
    run(b, channels(whatsapp), day=date(2026, 3, 14))
    assert len(journal(b, "rappel")) == 5  # journaled once


def test_overlapping_runs_send_each_message_once(shop, whatsapp):
    b, ids = shop
    whatsapp.delay_next = [0.2] * 5
    results = []
    threads = [threading.Thread(target=lambda: results.append(run(b, channels(whatsapp)))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(whatsapp.sent()) == 5
    assert sorted(r.count("envoyé") for r in results)[-1] == 5


def test_dry_run_sends_and_writes_nothing(shop, whatsapp):
    b, ids = shop
    before = requests_of(b)
    summary = run(b, channels(whatsapp), dry_run=True)
    assert summary.count("à envoyer") == 5 and whatsapp.sent() == []
    assert delta(before, requests_of(b)) == {"read": 1, "write": 0}
    assert b.state.list(COLLECTION, "2026-03-14:") == []
    assert any("Livraison farine" in o.detail for o in summary.outcomes)


def test_channel_bug_is_a_failure_not_a_crash(shop, whatsapp):
    b, ids = shop

    class Broken:
        name, policy = "email", "au moins une fois"

        def send(self, m):
            raise KeyError("boom")

    summary = run(b, Channels(whatsapp=channels(whatsapp).whatsapp, email=Broken()))
    assert len(whatsapp.sent()) == 5
    assert summary.failures and all("erreur inattendue" in f.detail for f in summary.failures)


def test_the_morning_summary_warns_when_google_sheets_nears_its_cell_limit(shop, whatsapp, smtp):
    b, _ids = shop
    b.workbook.backend.grid_cells = lambda fresh=False: 7_300_000  # as a Google workbook reports its grid sizes
    run(b, channels(whatsapp, smtp))
    summary_mail = next(m for m in smtp.messages if m["Subject"].startswith("Résumé"))
    text = summary_mail.get_content()
    assert "ATTENTION : Le classeur Google Sheets utilise 73 % de sa limite" in text


def test_no_cell_warning_below_seventy_percent(shop, whatsapp, smtp):
    b, _ids = shop
    b.workbook.backend.grid_cells = lambda fresh=False: 6_000_000
    run(b, channels(whatsapp, smtp))
    summary_mail = next(m for m in smtp.messages if m["Subject"].startswith("Résumé"))
    assert "limite" not in summary_mail.get_content()


def test_the_admin_dashboard_warns_too(shop):
    from functions.web.app import create_app
    from tests.web.conftest import SECRET, Shell

    b, _ids = shop
    b.workbook.backend.grid_cells = lambda fresh=False: 7_300_000
    office = Shell(b, b.clock)
    office.app = create_app(lambda: b, {"TTR_SECRET_KEY": SECRET},
                            blueprints=["functions.web.sales:bp", "functions.web.office:bp"])
    office.app.testing = True
    assert "73 % de sa limite" in office.login_admin().get("/").get_data(as_text=True)
    assert "73 % de sa limite" not in office.login_employee().get("/").get_data(as_text=True)
