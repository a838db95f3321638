"""The schedule of the embedded default: what Cloud Scheduler does in the cloud, run by ``ttr serve`` itself.

One plain daemon thread (no extra dependency) wakes every ``tick_seconds`` and, for every workspace:

* **reminders** — ``reminders.run``: it sends once a day, at the first tick at or after the business's
  reminder hour in its time zone, and costs no read once the day is complete; before the hour the workbook
  is read at most every ``EARLY_CHECK_SECONDS``. A day missed while
  the server was off (the last day the schedule completed is remembered in the state store) is caught up
  first, at most ``CATCH_UP_DAYS`` back, without what has gone stale (``rules.due``: no old summary, no item
  already past). Every reminder is claimed once in the state store, so a catch-up never sends twice;
* **sync** — ``Business.sync`` every ``sync_minutes`` (IDs, computed columns, hand edits to the Journal).

What it does is printed (``echo``), in French, one line per thing done; a quiet tick prints nothing. A failure
is printed and tried again at the next tick, never stopping the thread. ``stop()`` ends it (``ttr serve``
calls it on Ctrl+C). Tests drive ``tick()`` with an injected clock.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from functions.errors import TTRError

CATCH_UP_DAYS = 7
EARLY_CHECK_SECONDS = 900
STATE_KEY = ("reminders", "schedule")  # {"last_day": "AAAA-MM-JJ"}: the last day the schedule completed


class Scheduler:
    def __init__(self, businesses: Callable[[], dict[str, Any]], *, env: dict[str, str] | None = None,
                 echo: Callable[[str], None] = print, sync_minutes: float = 5, tick_seconds: float = 60,
                 monotonic: Callable[[], float] = _time.monotonic, channels: Any = None) -> None:
        self.businesses = businesses
        self.env = dict(env or {})
        self.echo = echo
        self.sync_seconds = sync_minutes * 60
        self.tick_seconds = tick_seconds
        self.monotonic = monotonic
        self.channels = channels
        self._last_sync: dict[str, float] = {}
        self._early_check: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the thread ------------------------------------------------------------------------------------
    def start(self) -> Scheduler:
        self._thread = threading.Thread(target=self._loop, name="ttr-planification", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.tick_seconds)

    # -- one tick --------------------------------------------------------------------------------------
    def tick(self) -> list[str]:
        """One pass over every workspace; returns (and echoes) what was done."""
        lines: list[str] = []
        try:
            spaces = self.businesses()
        except Exception as exc:  # noqa: BLE001 - the schedule must outlive any failure
            spaces = {}
            lines.append(f"Planification : espaces illisibles ({_why(exc)}) ; nouvel essai au prochain passage.")
        for space, biz in spaces.items():
            if self._stop.is_set():
                break
            label = "" if len(spaces) == 1 else f"[{space}] "
            for job in (self._reminders, self._sync):
                try:
                    lines += [label + line for line in job(space, biz)]
                except Exception as exc:  # noqa: BLE001
                    lines.append(f"{label}{_job_name(job)} : échec ({_why(exc)}) ; nouvel essai au prochain passage.")
        for line in lines:
            self.echo(f"[{datetime.now():%H:%M}] {line}")
        return lines

    def _reminders(self, space: str, biz: Any) -> list[str]:
        from functions.reminders.run import run

        out: list[str] = []
        missed = self._missed_days(biz)
        for day in missed:
            summary = run(biz, self.channels, day=day, env=self.env, catch_up=True)
            out.append(f"Rattrapage : {_summary_text(summary)}")
        if not missed and self._too_early(space, biz):
            return out
        summary = run(biz, self.channels, env=self.env)
        if summary.state == "fait":
            out.append(_summary_text(summary))
        if summary.day is not None and summary.state in ("fait", "déjà fait") and summary.complete:
            doc = biz.state.get(*STATE_KEY) or {}
            if str(doc.get("last_day", "")) < summary.day.isoformat():
                biz.state.put(*STATE_KEY, {"last_day": summary.day.isoformat()})
        return out

    def _too_early(self, space: str, biz: Any) -> bool:
        """Before the reminder hour (as the last run saw it), read the workbook at most every
        ``EARLY_CHECK_SECONDS`` (a new, earlier hour typed in Paramètres is seen within that time)."""
        zone = biz.state.get("reminders", "zone") or {}
        if not zone.get("hour") or not zone.get("timezone"):
            return False
        local = biz.clock().astimezone(ZoneInfo(zone["timezone"]))
        if f"{local:%H:%M}" >= str(zone["hour"]):
            return False
        now = self.monotonic()
        last = self._early_check.get(space)
        if last is not None and now - last < EARLY_CHECK_SECONDS:
            return True
        self._early_check[space] = now
        return False

    def _missed_days(self, biz: Any) -> list[date]:
        """Days after the last completed one and before today that no run completed (the server was off)."""
        last = (biz.state.get(*STATE_KEY) or {}).get("last_day")
        zone = (biz.state.get("reminders", "zone") or {}).get("timezone")
        if not last or not zone:
            return []  # the first day of the schedule: nothing to catch up
        today = biz.clock().astimezone(ZoneInfo(zone)).date()
        first = max(date.fromisoformat(last) + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS))
        days = [first + timedelta(days=i) for i in range((today - first).days)]
        return [d for d in days if not (biz.state.get("reminders", f"day:{d}") or {}).get("complete")]

    def _sync(self, space: str, biz: Any) -> list[str]:
        now = self.monotonic()
        last = self._last_sync.get(space)
        if last is not None and now - last < self.sync_seconds:
            return []
        self._last_sync[space] = now
        report = biz.sync()
        if not (report.writes or report.journal_rows or report.errors or report.ids_assigned):
            return []
        return ["Synchronisation : " + report.lines()[0], *[f"  {e.message}" for e in report.errors]]


def _summary_text(summary: Any) -> str:
    lines = summary.lines()
    return " ".join(lines[:2])


def _job_name(job: Callable[..., Any]) -> str:
    return "Rappels" if job.__name__ == "_reminders" else "Synchronisation"


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, TTRError) else f"erreur inattendue : {type(exc).__name__}"
