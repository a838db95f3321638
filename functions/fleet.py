"""Every workspace of a deployment, served by the cloud's scheduled jobs (what ``scheduler.py`` does for
``ttr serve``): the sync, the reminders and the Apps Script sync reach each workspace, not only the default.

* ``sync_all`` / ``remind_all`` run the job on every workspace of the registry (``Workspaces.all()``), one
  after the other. The reminders of each workspace follow its own time zone and reminder hour
  (``reminders.run`` decides per business: a workspace whose hour has not come says so and sends nothing).
* One workspace failing does not stop the others: its error is in the summary, the next ones run.
* One summary (``FleetReport``): a line per workspace, logged by the entry point, returned by HTTP.
* ``retry``: true when a failure is passing (Google unavailable, quota, timeout, state store): the Pub/Sub
  entry point raises then so that Pub/Sub redelivers the event, and the redelivery runs every workspace
  again — harmless, the sync and the reminders are idempotent. A lasting failure (sheet not shared,
  deleted, tab missing) is reported, not redelivered for days.
* ``space_for_sheet``: the workspace whose workbook is this Google Sheet (the Apps Script names its sheet).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from functions.errors import (
    AccessDeniedError,
    BackendError,
    TTRError,
    WorkbookError,
)

log = logging.getLogger("ttr.fleet")


@dataclass
class Outcome:
    space: str
    name: str
    ok: bool
    lines: list[str] = field(default_factory=list)
    passing: bool = False  # a failure worth redelivering


@dataclass
class FleetReport:
    job: str  # "Synchronisation" or "Rappels"
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def retry(self) -> bool:
        return any(o.passing for o in self.failed)

    def lines(self) -> list[str]:
        head = f"{self.job} : {len(self.outcomes)} espace(s)"
        if self.failed:
            head += f", {len(self.failed)} en échec"
        out = [head + "."]
        for o in self.outcomes:
            out += [f"  [{o.name}] {line}" for line in o.lines]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"travail": self.job, "espaces": [
            {"id": o.space, "nom": o.name, "ok": o.ok, "resume": o.lines} for o in self.outcomes]}


def _passing(exc: Exception) -> bool:
    """A failure that a later attempt may not meet (not a sheet left unshared or deleted)."""
    if isinstance(exc, (AccessDeniedError, WorkbookError)):
        return False
    return isinstance(exc, BackendError) or not isinstance(exc, TTRError)


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, TTRError) else f"erreur inattendue : {type(exc).__name__}"


def run_each(spaces: Any, job: str, work: Callable[[Any], list[str]], only: str | None = None) -> FleetReport:
    """``work(business)`` on every workspace (or the one named ``only``), each failure caught and told."""
    report = FleetReport(job)
    for doc in spaces.all():
        space = str(doc.get("id") or "")
        if only is not None and space != only:
            continue
        name = str(doc.get("name") or space)
        try:
            lines = work(spaces.business(space))
            report.outcomes.append(Outcome(space, name, True, lines))
        except Exception as exc:  # noqa: BLE001 - one workspace must not stop the others
            log.warning("%s [%s] : échec (%s)", job, space, _why(exc), exc_info=not isinstance(exc, TTRError))
            report.outcomes.append(Outcome(space, name, False, [f"échec : {_why(exc)}"], _passing(exc)))
    for line in report.lines():
        log.info(line)
    return report


def sync_all(spaces: Any, only: str | None = None) -> FleetReport:
    """The sync of every workspace (or of the one named ``only``)."""
    def work(biz: Any) -> list[str]:
        result = biz.sync()
        return [result.lines()[0], *[e.message for e in result.errors]]

    return run_each(spaces, "Synchronisation", work, only)


def remind_all(spaces: Any, channels: Any = None, *, env: dict[str, str] | None = None, day: date | None = None,
               dry_run: bool = False) -> FleetReport:
    """The reminders of every workspace, each at its own hour in its own time zone."""
    from functions.reminders.run import run

    def work(biz: Any) -> list[str]:
        summary = run(biz, channels, day=day, dry_run=dry_run, env=env)
        return list(summary.lines()[:2])

    return run_each(spaces, "Rappels", work)


def space_for_sheet(spaces: Any, sheet_id: str) -> str | None:
    """The id of the workspace whose workbook is the Google Sheet ``sheet_id`` (None when none is)."""
    from functions.config import is_google_sheet

    if not sheet_id:
        return None
    for doc in spaces.all():
        spec = str(doc.get("workbook") or "")
        if not spec:  # the default workspace: its workbook is TTR_WORKBOOK
            spec = str(getattr(spaces, "env", {}).get("TTR_WORKBOOK", ""))
        if spec and is_google_sheet(spec) and sheet_id in spec:
            return str(doc.get("id"))
    return None
