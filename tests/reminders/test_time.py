"""Time: once a day at the reminder hour of the business's zone, across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from functions.reminders.channels import Channels
from functions.reminders.run import run
from tests.conftest import Clock
from tests.reminders.conftest import make_business


def hourly(b, clock, start: datetime, hours: int):
    """Run the job every hour (UTC, like Cloud Scheduler) and note when (local time) something was sent."""
    sent_at = []
    for h in range(hours):
        clock.when = start + timedelta(hours=h)
        summary = run(b, Channels())
        ready = sum(1 for o in summary.outcomes if o.rule == "agenda" and o.status == "lien prêt")
        if ready:
            sent_at.append((clock.when.astimezone(b_zone(b)).replace(tzinfo=None), ready))
    return sent_at


def b_zone(b):
    return ZoneInfo(b.load(["settings"]).settings["timezone"])


def daily_items(b, first: date, days: int):
    for i in range(days):
        b.add("agenda", {"title": f"Tâche {i}", "date": first + timedelta(days=i), "reminder": "Le jour même"}, "Awa")


@pytest.mark.parametrize("start_day, change", [(date(2026, 3, 28), "spring"), (date(2026, 10, 24), "autumn")])
def test_paris_sends_once_a_day_at_eight_local_across_dst(start_day, change):
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC))
    b = make_business(clock, tz="Europe/Paris", hour="08:00")
    daily_items(b, start_day, 3)
    start = datetime.combine(start_day, datetime.min.time(), tzinfo=UTC) - timedelta(hours=2)
    sent = hourly(b, clock, start, 3 * 24)
    assert [(when.date(), n) for when, n in sent] == [(start_day + timedelta(days=i), 1) for i in range(3)]
    assert all(when.hour == 8 and when.minute == 0 for when, _ in sent)
    utc_hours = [(datetime.combine(w.date(), w.time(), tzinfo=ZoneInfo("Europe/Paris"))).astimezone(UTC).hour
                 for w, _ in sent]
    # 08:00 in Paris is 07:00 UTC in winter and 06:00 UTC in summer: the job follows the local clock.
    assert utc_hours == ([7, 6, 6] if change == "spring" else [6, 7, 7])


def test_an_hour_that_does_not_exist_that_day_sends_at_the_next_run():
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC))
    b = make_business(clock, tz="Europe/Paris", hour="02:30")  # 02:30 does not exist on 29 March in Paris
    daily_items(b, date(2026, 3, 29), 1)
    sent = hourly(b, clock, datetime(2026, 3, 28, 22, 0, tzinfo=UTC), 12)
    assert sent == [(datetime(2026, 3, 29, 3, 0), 1)]


def test_an_hour_that_happens_twice_sends_once():
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC))
    b = make_business(clock, tz="Europe/Paris", hour="02:30")  # 02:30 happens twice on 25 October
    daily_items(b, date(2026, 10, 25), 1)
    sent = hourly(b, clock, datetime(2026, 10, 24, 22, 0, tzinfo=UTC), 12)
    assert len(sent) == 1 and sent[0][0].date() == date(2026, 10, 25)


@pytest.mark.parametrize("tz, offset", [("Africa/Lome", 0), ("Africa/Abidjan", 0), ("Africa/Douala", 1)])
def test_zones_without_dst(tz, offset):
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC))
    b = make_business(clock, tz=tz, hour="07:30")
    daily_items(b, date(2026, 3, 27), 4)
    sent = hourly(b, clock, datetime(2026, 3, 27, 0, 0, tzinfo=UTC), 4 * 24)
    assert [w.date() for w, _ in sent] == [date(2026, 3, 27) + timedelta(days=i) for i in range(4)]
    # The first hourly run at or after 07:30 local: 08:00 local, the same UTC hour every day.
    assert {(w.hour, w.minute) for w, _ in sent} == {(8, 0)}
    assert {(w - timedelta(hours=offset)).hour for w, _ in sent} == {8 - offset}


def test_the_local_date_decides_the_day_not_utc():
    # 23:30 UTC on 13 March is already 14 March 00:30 in Douala (UTC+1): 14 March's items go.
    clock = Clock(datetime(2026, 3, 13, 23, 30, tzinfo=UTC))
    b = make_business(clock, tz="Africa/Douala", hour="00:00")
    b.add("agenda", {"title": "Le 13", "date": date(2026, 3, 13), "reminder": "Le jour même"}, "Awa")
    b.add("agenda", {"title": "Le 14", "date": date(2026, 3, 14), "reminder": "Le jour même"}, "Awa")
    summary = run(b, Channels())
    assert summary.day == date(2026, 3, 14)
    assert [o.subject for o in summary.outcomes if o.rule == "agenda"] == ["Rappel : Le 14 (aujourd'hui)"]
