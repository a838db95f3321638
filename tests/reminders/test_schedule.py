"""The schedule ``ttr serve`` runs itself: reminders once a day at the business's hour, a missed day caught up,
the sync every few minutes; a failing job never stops it (injected clocks, no thread needed but one test)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from functions.reminders.channels import Channels
from functions.reminders.run import COLLECTION
from functions.scheduler import STATE_KEY, Scheduler
from tests.conftest import Clock
from tests.reminders.conftest import make_business


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def at(clock: Clock, day: int, hour: int, minute: int = 0) -> None:
    clock.when = datetime(2026, 3, day, hour, minute, tzinfo=UTC)  # Lomé is UTC+0


def links(b, day: date) -> dict[str, dict]:
    return {k: d for k, d in b.state.list(COLLECTION, prefix=f"{day.isoformat()}:") if d.get("status") == "sent"}


def scheduler(b, echo=None, ticks=None) -> Scheduler:
    return Scheduler(lambda: {"": b}, echo=echo or (lambda _: None), channels=Channels(), sync_minutes=5,
                     monotonic=ticks or Ticks())


def test_reminders_run_once_a_day_at_the_hour_and_a_missed_day_is_caught_up():
    clock = Clock(datetime(2026, 3, 13, 12, 0, tzinfo=UTC))
    b = make_business(clock, hour="08:00", reminder_summary="Non", reminder_low_stock="Non")
    b.add("agenda", {"title": "Loyer", "date": date(2026, 3, 14), "reminder": "Le jour même"}, "Awa")
    b.add("agenda", {"title": "Banque", "date": date(2026, 3, 15), "reminder": "Le jour même"}, "Awa")  # missed
    b.add("agenda", {"title": "Farine", "date": date(2026, 3, 16), "reminder": "1 jour avant"}, "Awa")  # on the 15th
    b.add("agenda", {"title": "Marché", "date": date(2026, 3, 16), "reminder": "Le jour même"}, "Awa")
    printed: list[str] = []
    s = scheduler(b, printed.append)

    at(clock, 14, 7, 30)
    s.tick()
    assert links(b, date(2026, 3, 14)) == {}  # before the business's hour: nothing
    at(clock, 14, 8, 0)
    s.tick()
    at(clock, 14, 15, 0)
    s.tick()
    day14 = links(b, date(2026, 3, 14))
    assert [d["subject"] for d in day14.values()] == ["Rappel : Loyer (aujourd'hui)"]  # once, not twice
    assert b.state.get(*STATE_KEY) == {"last_day": "2026-03-14"}
    assert any("Rappels du 14/03/2026 : fait" in line and "1 lien(s) WhatsApp prêt(s)" in line for line in printed)

    # The server is off on the 15th; it starts again on the 16th before the hour: the 15th is caught up
    # (what is still to come, worded from today; the item of the 15th itself is past), today waits for 08:00.
    printed.clear()
    at(clock, 16, 6, 0)
    s.tick()
    caught = links(b, date(2026, 3, 15))
    assert [d["subject"] for d in caught.values()] == ["Rappel : Farine (aujourd'hui)"]
    assert links(b, date(2026, 3, 16)) == {}
    assert any(line.startswith("[") and "Rattrapage : Rappels du 15/03/2026 : fait" in line for line in printed)
    s.tick()  # caught up once
    assert len(links(b, date(2026, 3, 15))) == 1
    at(clock, 16, 9, 0)
    s.tick()
    assert [d["subject"] for d in links(b, date(2026, 3, 16)).values()] == ["Rappel : Marché (aujourd'hui)"]
    assert b.state.get(*STATE_KEY) == {"last_day": "2026-03-16"}
    assert b.verify_journal().ok


def test_the_first_day_of_the_schedule_catches_nothing_up():
    clock = Clock(datetime(2026, 3, 14, 9, 0, tzinfo=UTC))
    b = make_business(clock, reminder_summary="Non", reminder_low_stock="Non")
    b.add("agenda", {"title": "Hier", "date": date(2026, 3, 13), "reminder": "Le jour même"}, "Awa")
    scheduler(b).tick()
    assert links(b, date(2026, 3, 13)) == {}


def test_the_sync_runs_every_few_minutes_and_says_what_it_did():
    clock = Clock(datetime(2026, 3, 14, 6, 0, tzinfo=UTC))
    b = make_business(clock)
    ticks = Ticks()
    printed: list[str] = []
    s = scheduler(b, printed.append, ticks)
    calls: list[float] = []
    real = b.sync
    b.sync = lambda: (calls.append(ticks.now), real())[1]
    for minute in range(0, 16):
        ticks.now = minute * 60.0
        s.tick()
    assert calls == [0.0, 300.0, 600.0, 900.0]
    assert any("Synchronisation : " in line for line in printed)  # the first sync writes its baseline


def test_a_failing_job_is_printed_and_the_schedule_goes_on():
    clock = Clock(datetime(2026, 3, 14, 9, 0, tzinfo=UTC))
    b = make_business(clock)
    printed: list[str] = []
    s = scheduler(b, printed.append)

    def broken():
        raise RuntimeError("boom")

    b.sync = broken
    s.tick()
    assert any("Synchronisation : échec (erreur inattendue : RuntimeError)" in line for line in printed)
    assert any("Rappels du 14/03/2026 : fait" in line for line in printed)  # the other job still ran


def test_the_thread_starts_and_stops():
    clock = Clock(datetime(2026, 3, 14, 9, 0, tzinfo=UTC))
    b = make_business(clock)
    printed: list[str] = []
    s = Scheduler(lambda: {"": b}, echo=printed.append, channels=Channels(), tick_seconds=0.05).start()
    deadline = time.monotonic() + 10
    while not printed and time.monotonic() < deadline:
        time.sleep(0.02)
    s.stop()
    assert printed and not s.running


def test_before_the_hour_the_workbook_is_read_at_most_every_quarter_of_an_hour():
    clock = Clock(datetime(2026, 3, 14, 5, 0, tzinfo=UTC))
    b = make_business(clock, hour="08:00")
    ticks = Ticks()
    s = Scheduler(lambda: {"": b}, channels=Channels(), sync_minutes=10_000, monotonic=ticks, echo=lambda _: None)
    s.tick()  # the first run learns the zone and the hour
    reads = b.workbook.backend.requests["read"]
    for minute in range(1, 120):  # two hours of ticks, one a minute, before 08:00
        at(clock, 14, 5 + minute // 60, minute % 60)
        ticks.now = minute * 60.0
        s.tick()
    assert b.workbook.backend.requests["read"] - reads == 8  # minutes 1, 16, 31, …, 106 (one read each)
    at(clock, 14, 8, 0)
    ticks.now = 121 * 60.0
    s.tick()
    assert b.state.get(*STATE_KEY) == {"last_day": "2026-03-14"}  # at the hour, at once
