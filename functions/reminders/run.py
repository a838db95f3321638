"""The reminder run: what is due today, each reminder sent exactly once, and one write to the workbook.

The job runs often (hourly); it sends once a day, at the first run at or after the business's reminder
hour in its time zone. One run costs one read (``Business.run`` loads the workbook) and at most one write
(``Dernier rappel``, ``Lien rappel`` and the Journal rows, in one action). Once a day is complete, later
runs of that day read nothing (the zone is remembered in the state store).

**Exactly once.** Each reminder has a key (local date, rule, item, channel and recipient) in the state
store collection ``reminders``. It is *claimed* with ``state.create`` before sending (one caller wins, so
two overlapping runs and a Pub/Sub redelivery never send it twice), then marked *sent*. The sheet and the
Journal are brought in line with those documents at the end of every run, so a failed workbook write is
caught up by the next run without sending anything again.

**The process dies between sending and recording** (the claim is left *claimed*). A claim younger than
``LEASE_SECONDS`` belongs to a run that may still be working: it is left alone. Older, it is resolved by
the channel's policy: WhatsApp is **at most once** (no idempotency key in the Cloud API; a duplicate reaches
a client's phone): marked *incertain*, reported in the summary and the Journal, and a wa.me link is written
for the owner to check and send by hand if needed. Email and wa.me are **at least once**: the email goes
again with the same Message-ID (shown once by mail services), the link is written again (identical).

Failures (refused, unreachable) are retried by the next runs of the day, ``MAX_ATTEMPTS`` in all; one
channel failing never stops the others; every failure is in the summary and the Journal.
"""

from __future__ import annotations

import hashlib
import re
import time as _time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from functions.books.commands import Command
from functions.books.records import Ctx
from functions.errors import StateError
from functions.reminders import messages, rules
from functions.reminders.channels import AT_MOST_ONCE, LABELS, Channels, Message, SendError
from functions.reminders.report import Outcome, RunSummary
from functions.store.workbook import Book, Change, JournalEntry

COLLECTION = "reminders"
LEASE_SECONDS = 600
MAX_ATTEMPTS = 3
KEEP_SECONDS = 45 * 86400
RUN_LOCK_SECONDS = 300
BUDGET_SECONDS = 90.0  # stop sending (the rest waits for the next run) before the workbook lock's lease ends


def reminder_key(day: date, rule: str, tab: str, item: str, channel: str, address: str) -> str:
    who = hashlib.sha256(f"{channel}:{address}".encode()).hexdigest()[:12]
    what = re.sub(r"[^A-Za-z0-9_.-]", "_", item or tab)[:60]
    return f"{day.isoformat()}:{rule}:{what}:{channel}-{who}"


@dataclass
class Planned:
    due: rules.Due
    message: Message


def plan(dues: list[rules.Due], day: date, settings: rules.Settings, channels: Channels,
         summary: RunSummary) -> list[Planned]:
    """The messages of the day: API channels where the recipient can be reached, else a wa.me link."""
    out = []
    for d in dues:
        subject, text = messages.render(d.rule, d.context)
        targets = []
        if channels.whatsapp is not None and d.recipient.phone:
            targets.append(("whatsapp", d.recipient.phone))
        if channels.email is not None and d.recipient.email:
            targets.append(("email", d.recipient.email))
        if not targets and (d.rule in (rules.AGENDA, rules.UNPAID) or d.recipient.phone):
            targets.append(("wame", d.recipient.phone))  # the owner's own alerts: a link to the business phone
        if not targets:
            summary.warnings.append(f"{subject} : aucun canal pour {d.recipient.name} (renseignez le Téléphone de "
                                    "l'entreprise dans Paramètres, ou WhatsApp ou SMTP_URL).")
            continue
        for channel, address in targets:
            out.append(Planned(d, _message(d, day, settings, channel, address, subject, text)))
    return out


def _message(d: rules.Due, day: date, settings: rules.Settings, channel: str, address: str, subject: str,
             text: str) -> Message:
    return Message(reminder_key(day, d.rule, d.tab, d.item, channel, address), d.rule, channel, address, subject,
                   text, settings.templates.get(d.rule, ""), settings.language,
                   tuple(messages.params(d.rule, d.context)), settings.business)


class Runner:
    """One run over one business (``run()`` below is the entry)."""

    def __init__(self, biz: Any, channels: Channels, *, budget_seconds: float = BUDGET_SECONDS,
                 monotonic: Callable[[], float] = _time.monotonic) -> None:
        self.biz = biz
        self.state = biz.state
        self.channels = channels
        self.budget = budget_seconds
        self.monotonic = monotonic
        self.catch_up = False
        self.run_id = hashlib.sha256(f"{id(self)}:{_time.time_ns()}".encode()).hexdigest()[:16]

    # -- the run ---------------------------------------------------------------------------------------
    def run(self, day: date | None = None, dry_run: bool = False, catch_up: bool = False) -> RunSummary:
        """Today's reminders at the hour (``day`` None), or those of ``day`` now; ``catch_up``: a past day
        missed while nothing ran, without what has gone stale (see ``rules.due``)."""
        self.catch_up = catch_up
        summary = RunSummary(day=day, dry_run=dry_run, warnings=list(self.channels.warnings))
        if dry_run:
            from functions.business import ACTION_TABS

            book = self.biz.load(ACTION_TABS)
            self._dry(book, self.biz.ctx("système"), day, summary)
            return summary
        if day is None and self._done_today(summary):
            return summary
        with ExitStack() as stack:
            try:
                stack.enter_context(self.state.lock("reminders-run", ttl_seconds=RUN_LOCK_SECONDS, timeout_seconds=5))
            except StateError:
                summary.state = "en cours ailleurs"
                return summary
            pending: dict[date, set[str]] = {}
            # Send outside the workbook lock (a slow WhatsApp or SMTP server must not hold up the sales);
            # exactly-once comes from the claims in the state store, not from that lock. Then record what
            # was sent in one action (it rebuilds the sheet's columns and Journal rows from those claims).
            from functions.business import ACTION_TABS

            if self._act(self.biz.load(ACTION_TABS), self.biz.ctx("système"), day, summary):
                assert summary.day is not None
                sent_day = summary.day
                self.biz.submit(RecordSent(self, sent_day, summary, pending), "système")
            for d, events in pending.items():  # the write landed: these events are in the Journal now
                doc = self.state.get(COLLECTION, f"recorded:{d}") or {"events": []}
                self.state.put(COLLECTION, f"recorded:{d}", {"events": sorted(set(doc["events"]) | events)},
                               ttl_seconds=KEEP_SECONDS)
            if summary.day is not None and summary.state == "fait" and summary.complete:
                self.state.put(COLLECTION, f"day:{summary.day}", {"complete": True, "run": self.run_id},
                               ttl_seconds=KEEP_SECONDS)
        return summary

    def _done_today(self, summary: RunSummary) -> bool:
        """Zero reads once today's run is complete (in the zone seen by the last run)."""
        zone = (self.state.get(COLLECTION, "zone") or {}).get("timezone")
        if not zone:
            return False
        today = self.biz.clock().astimezone(ZoneInfo(zone)).date()
        if (self.state.get(COLLECTION, f"day:{today}") or {}).get("complete"):
            summary.day, summary.state = today, "déjà fait"
            return True
        return False

    def _start(self, settings: rules.Settings, ctx: Ctx, day: date | None, summary: RunSummary) -> bool:
        summary.warnings += settings.warnings
        summary.day = day or ctx.now.date()
        if day is None and ctx.now.time() < settings.hour:
            summary.state = f"pas encore l'heure (rappels à {settings.hour:%H:%M}, heure locale {ctx.now:%H:%M})"
            return False
        if day is None and (self.state.get(COLLECTION, f"day:{summary.day}") or {}).get("complete"):
            summary.state = "déjà fait"
            return False
        return True

    def _settings(self, book: Book) -> rules.Settings:
        """The run's settings, with the cell-limit warning of a Google workbook (no request: sizes known)."""
        from dataclasses import replace

        from functions.store.capacity import cell_limit_warning

        return replace(rules.Settings.from_book(book), capacity=cell_limit_warning(self.biz.workbook.backend) or "")

    def _act(self, book: Book, ctx: Ctx, day: date | None, summary: RunSummary) -> bool:
        """Send what is due (claims first, in the state store); False when it is not the time yet."""
        settings = self._settings(book)
        zone = {"timezone": settings.timezone, "hour": f"{settings.hour:%H:%M}"}  # read by functions.scheduler
        if self.state.get(COLLECTION, "zone") != zone:
            self.state.put(COLLECTION, "zone", zone)
        if not self._start(settings, ctx, day, summary):
            return False
        assert summary.day is not None
        as_of = ctx.now.date() if self.catch_up else None
        queue = plan(rules.due(book, summary.day, settings, as_of=as_of), summary.day, settings, self.channels,
                     summary)
        start = self.monotonic()
        while queue:
            p = queue.pop(0)
            if self.monotonic() - start > self.budget:
                summary.add(Outcome.of(p.message, "reporté", "au prochain passage (temps du passage écoulé)"))
                summary.complete = False
                continue
            fallback = self._process(p, ctx, summary)
            if fallback is not None:
                queue.insert(0, Planned(p.due, _message(p.due, summary.day, settings, "wame", p.message.address,
                                                        p.message.subject, p.message.text)))
        summary.state = "fait"
        return True

    def _dry(self, book: Book, ctx: Ctx, day: date | None, summary: RunSummary) -> None:
        settings = self._settings(book)
        summary.warnings += settings.warnings
        summary.day = day or ctx.now.date()
        for p in plan(rules.due(book, summary.day, settings), summary.day, settings, self.channels, summary):
            doc = self.state.get(COLLECTION, p.message.key)
            status = "à envoyer" if doc is None else {"sent": "déjà envoyé", "failed": "à réessayer"}.get(
                doc.get("status"), doc.get("status", ""))
            summary.add(Outcome.of(p.message, status, p.message.text if doc is None else ""))
        summary.state = "essai (rien n'est envoyé ni écrit)"

    # -- one message -----------------------------------------------------------------------------------
    def _process(self, p: Planned, ctx: Ctx, summary: RunSummary) -> str | None:
        """Claim, send, mark. Returns "fallback" when a wa.me link should stand in for a lost WhatsApp."""
        m = p.message
        channel = self.channels.get(m.channel)
        assert channel is not None
        now = self.biz.clock().timestamp()
        base = {"rule": m.rule, "tab": p.due.tab, "item": p.due.item, "channel": m.channel, "address": m.address,
                "subject": m.subject}
        claim = {**base, "status": "claimed", "run": self.run_id, "claimed": now, "attempts": 1}
        owned = self.state.create(COLLECTION, m.key, claim, ttl_seconds=KEEP_SECONDS)
        if not owned:
            cur = self.state.get(COLLECTION, m.key) or {}
            status = cur.get("status")
            if status == "sent":
                summary.add(Outcome.of(m, "lien déjà prêt" if m.channel == "wame" else "déjà envoyé"))
                return None
            if status == "uncertain":
                summary.add(Outcome.of(m, "incertain", "déjà signalé ; non renvoyé"))
                return None
            if status == "claimed" and now - float(cur.get("claimed", 0)) < LEASE_SECONDS:
                summary.add(Outcome.of(m, "en cours", "un autre passage l'envoie"))
                summary.complete = False
                return None
            if status == "claimed" and channel.policy == AT_MOST_ONCE:
                self.state.put(COLLECTION, m.key, {**cur, "status": "uncertain", "error": "processus interrompu "
                               "pendant l'envoi : non renvoyé pour éviter un doublon ; vérifiez dans WhatsApp"},
                               ttl_seconds=KEEP_SECONDS)
                summary.add(Outcome.of(m, "incertain", "processus interrompu pendant l'envoi ; non renvoyé"))
                return "fallback" if p.due.rule in (rules.AGENDA, rules.UNPAID) else None
            if status == "failed" and (cur.get("permanent") or int(cur.get("attempts", 0)) >= MAX_ATTEMPTS):
                summary.add(Outcome.of(m, "échec", f"{cur.get('error', '')} (abandon après "
                                                   f"{cur.get('attempts')} essai(s))"))
                return None
            owned = self._take_over(m.key, cur, claim)
            if not owned:
                summary.add(Outcome.of(m, "en cours", "un autre passage l'a repris"))
                summary.complete = False
                return None
            claim = self.state.get(COLLECTION, m.key) or claim
        try:
            ref = channel.send(m)
        except SendError as exc:
            return self._failed(p, claim, exc, summary)
        except Exception as exc:  # noqa: BLE001 - one channel's bug must not stop the others
            return self._failed(p, claim, SendError(f"erreur inattendue ({type(exc).__name__})"), summary)
        self.state.put(COLLECTION, m.key, {**claim, "status": "sent", "ref": ref, "sent": ctx.now.isoformat()},
                       ttl_seconds=KEEP_SECONDS)
        # A wa.me link is only ready: a person sends it (Agenda › À envoyer), so it is never reported as sent.
        summary.add(Outcome.of(m, "lien prêt", ref) if m.channel == "wame" else Outcome.of(m, "envoyé"))
        return None

    def _take_over(self, key: str, seen: dict[str, Any], claim: dict[str, Any]) -> bool:
        """Compare-and-set: take a stale or failed claim only if nobody changed it since we read it."""
        def swap(cur: dict[str, Any] | None) -> dict[str, Any] | None:
            if cur is None or cur.get("run") != seen.get("run") or cur.get("status") != seen.get("status") or \
                    cur.get("attempts") != seen.get("attempts"):
                return cur
            return {**claim, "attempts": int(seen.get("attempts", 0)) + 1}

        got = self.state.update(COLLECTION, key, swap)
        return bool(got and got.get("run") == self.run_id and got.get("status") == "claimed")

    def _failed(self, p: Planned, claim: dict[str, Any], exc: SendError, summary: RunSummary) -> str | None:
        m = p.message
        channel = self.channels.get(m.channel)
        uncertain = exc.uncertain and channel is not None and channel.policy == AT_MOST_ONCE
        doc = {**claim, "status": "uncertain" if uncertain else "failed", "error": exc.message,
               "permanent": exc.permanent}
        self.state.put(COLLECTION, m.key, doc, ttl_seconds=KEEP_SECONDS)
        final = uncertain or exc.permanent or int(claim.get("attempts", 1)) >= MAX_ATTEMPTS
        if not final:
            summary.complete = False
        summary.add(Outcome.of(m, "incertain" if uncertain else "échec",
                               exc.message + ("" if final else " (nouvel essai au prochain passage)")))
        if final and m.channel == "whatsapp" and p.due.rule in (rules.AGENDA, rules.UNPAID):
            return "fallback"
        return None

    # -- the sheet and the Journal follow the state store ----------------------------------------------
    def _record(self, book: Book, day: date, summary: RunSummary, pending: dict[date, set[str]]) -> Change:
        change = Change()
        has_link = any(c.key == "reminder_link" for c in book.schema.tab("agenda").columns)
        latest: dict[str, tuple[str, str]] = {}  # agenda id -> (sent at, wa.me link)
        for d in (day - timedelta(days=1), day):
            recorded = set((self.state.get(COLLECTION, f"recorded:{d}") or {}).get("events", []))
            for key, doc in self.state.list(COLLECTION, prefix=f"{d.isoformat()}:"):
                status = doc.get("status")
                if status == "sent" and doc.get("tab") == "agenda":
                    at, link = latest.get(doc["item"], ("", ""))
                    link = doc.get("ref", "") if doc.get("channel") == "wame" else link
                    latest[doc["item"]] = (max(at, doc.get("sent", "")), link)
                event = f"{key}#{status}{doc.get('attempts', '') if status == 'failed' else ''}"
                if status not in ("sent", "failed", "uncertain") or event in recorded:
                    continue
                change.journal.append(_journal(doc))
                pending.setdefault(d, set()).add(event)
        for r in book.rows("agenda"):
            if r.id not in latest:
                continue
            at, link = latest[r.id]
            values: dict[str, Any] = {}
            when = datetime.fromisoformat(at) if at else None
            if when is not None and r["last_reminder"] != when:
                values["last_reminder"] = when
            if has_link and link and r["reminder_link"] != link:
                values["reminder_link"] = link
            if values:
                change.set(r, values)
        summary.sheet_updates = len(change.updates)
        return change


def _journal(doc: dict[str, Any]) -> JournalEntry:
    label = LABELS.get(doc.get("channel", ""), doc.get("channel", ""))
    who = doc.get("address") or ("un contact à choisir" if doc.get("channel") == "wame" else "?")
    what = doc.get("subject", "")
    status = doc.get("status")
    tab = doc.get("tab", "")
    if status == "sent":
        if doc.get("channel") == "wame":
            extra = f" : {doc.get('ref')}" if tab != "agenda" else ""
            return JournalEntry("rappel", tab, doc.get("item", ""), f"Lien WhatsApp prêt à envoyer à {who} : "
                                f"{what}{extra}", source="système")
        return JournalEntry("rappel", tab, doc.get("item", ""), f"{label} envoyé à {who} : {what}",
                            source="système")
    if status == "uncertain":
        return JournalEntry("rappel incertain", tab, doc.get("item", ""),
                            f"{label} → {who} : {what} — {doc.get('error', '')}", source="système")
    return JournalEntry("rappel en échec", tab, doc.get("item", ""),
                        f"{label} → {who} : {what} — {doc.get('error', '')} (essai {doc.get('attempts', 1)}/"
                        f"{MAX_ATTEMPTS})", source="système")


def run(biz: Any, channels: Channels | None = None, *, day: date | None = None, dry_run: bool = False,
        env: dict[str, str] | None = None, budget_seconds: float = BUDGET_SECONDS,
        catch_up: bool = False) -> RunSummary:
    """Run the reminders of ``biz`` (today's at the reminder hour, or those of ``day`` right away)."""
    import os

    if channels is None:
        channels = Channels.from_env(dict(os.environ) if env is None else env)
    return Runner(biz, channels, budget_seconds=budget_seconds).run(day, dry_run, catch_up)


@dataclass(frozen=True)
class RecordSent(Command):
    """What a run sent, into the Agenda's columns and the Journal (rebuilt from the claims in the state store,
    so a run that recorded part of it before a crash records the rest, once)."""

    runner: Any = field(compare=False, repr=False)
    day: date | None = None
    summary: Any = field(default=None, compare=False, repr=False)
    pending: Any = field(default=None, compare=False, repr=False)

    def apply(self, book: Book, ctx: Any) -> Change:
        assert self.day is not None
        return self.runner._record(book, self.day, self.summary, self.pending)
