"""``ttr serve`` / ``ttr demo``: the web app behind waitress (a production WSGI server), with its schedule.

``Server.start(config, host, port)`` binds the port first (``0`` picks a free one), so the links the app writes
(receipts, statements, invitations, WhatsApp texts) follow the address actually served unless
``TTR_PUBLIC_URL`` says otherwise; that base is remembered in the state store for the commands run beside
it (``ttr sync``, ``ttr receipt``). In an empty folder the workbook is created and the first page is the
set-up. Everything printed is French; waitress's own log lines (English) are kept to errors.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from functions.config import PUBLIC_URL_DOC, Config, open_business, remember_public_url

THREADS = 8


class Server:
    def __init__(self, wsgi: Any, app: Any, biz: Any, config: Config, scheduler: Any,
                 echo: Callable[[str], None]) -> None:
        self.wsgi, self.app, self.biz, self.config, self.scheduler, self.echo = wsgi, app, biz, config, scheduler, echo
        self._stopping, self._stopped, self._running = threading.Event(), threading.Event(), threading.Event()

    @property
    def url(self) -> str:
        return self.config.public_url

    @classmethod
    def start(cls, config: Config, host: str, port: int, *, schedule: bool = True, sync_minutes: float = 5,
              echo: Callable[[str], None] = print, tick_seconds: float = 60) -> Server:
        import waitress

        from functions.web.app import create_app

        sock = _bind(host, port)
        try:
            config.serve_at(host, int(sock.getsockname()[1]))
            biz = open_business(config)
            before = (biz.state.get(*PUBLIC_URL_DOC) or {}).get("url")
            remember_public_url(biz.state, config.public_url)
            _prepare(biz, config, echo)
            env = {**config.env, "TTR_PUBLIC_URL": config.public_url}
            app = create_app(lambda: biz, env)
            for name in ("waitress", "waitress.queue"):
                logging.getLogger(name).setLevel(logging.ERROR)
            # Behind trusted relays (TTR_TRUSTED_PROXIES) the app reads X-Forwarded-For itself: waitress keeps it.
            relayed = (env.get("TTR_TRUSTED_PROXIES") or "0").strip() not in ("", "0")
            # poll(), not select(): select() cannot watch a descriptor above 1024, which a long-running
            # process (open files, SQLite connections, clients) reaches; the loop thread would die silently.
            wsgi = waitress.create_server(app, sockets=[sock], threads=THREADS, ident="TTR Gestion",
                                          clear_untrusted_proxy_headers=not relayed, asyncore_use_poll=True)
        except BaseException:
            sock.close()
            raise
        echo(f"\nTTR Gestion sur {config.public_url}/")
        if before and before != config.public_url:
            echo(f"  Attention : les liens déjà partagés (reçus, relevés) restent sur {before} ; ils ne s'ouvrent "
                 "que si l'application y est servie.")
        from functions.accounts import users

        if not users.admin_exists(biz.state):
            echo(f"  Première visite : {config.public_url}/installation (compte administrateur et profil de "
                 "l'entreprise).")
        scheduler = None
        if schedule:
            from functions.scheduler import Scheduler

            scheduler = Scheduler(app.config["TTR_BUSINESSES"], env=env, echo=echo, sync_minutes=sync_minutes,
                                  tick_seconds=tick_seconds)
            echo("  Planification : " + _schedule_text(biz, sync_minutes) + " (--no-schedule pour la couper).")
            scheduler.start()
        else:
            echo("  Planification coupée : lancez « ttr remind » et « ttr sync » vous-même (cron).")
        return cls(wsgi, app, biz, config, scheduler, echo)

    def echo_tokens(self) -> None:
        from functions.reminders.entry import reminder_token
        from functions.web.app import sync_token

        env = self.app.config["TTR_ENV"]
        self.echo(f"  POST /sync avec l'en-tête X-TTR-Token: {sync_token(self.biz, env)}")
        self.echo(f"  POST /rappels avec l'en-tête X-TTR-Token: {reminder_token(self.biz, env)}")

    def run(self) -> None:
        """Serve until ``close()`` (from another thread) or Ctrl+C: waitress's loop, one poll at a time, so
        that a stop request is seen within a second."""
        from waitress import wasyncore

        channels = self.wsgi._map
        self._running.set()
        try:
            while channels and not self._stopping.is_set():
                wasyncore.loop(timeout=self.wsgi.adj.asyncore_loop_timeout, map=channels, count=1,
                               use_poll=self.wsgi.adj.asyncore_use_poll)
        finally:
            for channel in list(channels.values()):  # the listening socket, open connections, the trigger
                channel.close()
            self.wsgi.task_dispatcher.shutdown()
            self._stopped.set()

    def close(self, timeout: float = 10) -> None:
        """Stop the schedule and the server (from any thread; again is harmless)."""
        if self.scheduler is not None:
            self.scheduler.stop()
        if self._stopping.is_set():
            return
        self._stopping.set()
        if not self._running.is_set():  # never served: nothing to wake
            for channel in list(self.wsgi._map.values()):
                channel.close()
            self.wsgi.task_dispatcher.shutdown()
            return
        try:
            self.wsgi.pull_trigger()  # wake the loop
        except OSError:
            pass
        self._stopped.wait(timeout)


def _bind(host: str, port: int) -> socket.socket:
    from functions.errors import InvalidInputError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InvalidInputError(f"Impossible d'écouter sur {host}:{port} ({exc.strerror or exc}) : ce port est "
                                "peut-être déjà pris ; essayez « --port 8081 ».") from None
    return sock


def _prepare(biz: Any, config: Config, echo: Callable[[str], None]) -> None:
    """A workbook that does not exist yet is created (the set-up page fills its profile)."""
    if not config.is_google and not Path(config.workbook).expanduser().exists():
        biz.init({})
        echo(f"Classeur créé : {Path(config.workbook).expanduser().resolve()}")
    biz.load(["settings"])


def _schedule_text(biz: Any, sync_minutes: float) -> str:
    from functions.reminders.rules import Settings

    settings = Settings.from_book(biz.load(["settings"]))
    return (f"rappels chaque jour à {settings.hour:%H:%M} ({settings.timezone}), synchronisation toutes les "
            f"{sync_minutes:g} min")
