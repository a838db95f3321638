"""The HTTP layer of the Google Sheets backend: JSON in and out, bounded retries, errors mapped once.

Retry policy (Google's advice for the Sheets API):

* 429 and 5xx answers mean the request was not applied: retried with exponential backoff and full jitter
  (``uniform(0, min(max_delay, base_delay * 2**attempt))``), or after ``Retry-After`` seconds (plus a little
  jitter) when Google sends it; at most ``max_retries`` times, then ``QuotaError`` / ``BackendError``.
  A ``Retry-After`` longer than ``max_delay`` is not waited for: the error is raised at once.
* A connection that never opened (connect timeout, refused) is retried for every request.
* A read that timed out or lost its connection is retried like a 5xx.
* A **write** that timed out (or lost its connection after being sent) is never resent: Google may have
  applied it (a batchUpdate is atomic, but the client cannot know whether it landed), and resending an
  AppendCells would duplicate rows. It raises ``BackendTimeoutError`` saying the outcome is unknown.

Every other answer is permanent and mapped by ``map_error`` (the one place Google errors become ours).
Numbers are parsed as ``Decimal`` and ``Decimal`` is written as an exact JSON number: no float on the
money path.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from functions.errors import (
    AccessDeniedError,
    BackendError,
    BackendTimeoutError,
    InvalidInputError,
    MissingTabError,
    QuotaError,
    TTRError,
    WorkbookMissingError,
)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class GridNotFoundError(MissingTabError):
    """A range or sheet id that Google no longer knows: the tab was deleted or renamed."""


def dumps(value: Any) -> str:
    """JSON text where ``Decimal`` is written exactly (``str(Decimal)``), never through float."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInputError(f"Nombre invalide : {value}.")
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidInputError(f"Nombre invalide : {value}.")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def map_error(status: int, payload: Any, *, service_account_email: str | None, what: str) -> TTRError:
    """The TTR error for a Google error answer (envelope ``{"error": {"code", "message", "status"}}``)."""
    err = payload.get("error", {}) if isinstance(payload, dict) else {}
    message = str(err.get("message") or payload or "")[:500] if isinstance(err, dict) else str(err)[:500]
    if status in (401, 403):
        if "has not been used" in message or "is disabled" in message:
            return AccessDeniedError(
                "L'API Google Sheets n'est pas activée pour ce projet Google Cloud. Activez-la dans la console "
                f"Google Cloud (API et services), puis réessayez. Détail : {message}"
            )
        if status == 401:
            return AccessDeniedError(
                "Identifiants Google refusés (expirés ou invalides). Vérifiez GOOGLE_APPLICATION_CREDENTIALS."
            )
        who = service_account_email or "le compte de service de l'application"
        return AccessDeniedError(
            f"Accès refusé au classeur Google Sheets. Ouvrez-le, cliquez sur « Partager » et ajoutez {who} "
            "en tant qu'Éditeur, puis réessayez."
        )
    if status == 404:
        return WorkbookMissingError(
            f"Classeur Google Sheets introuvable ({what}). Vérifiez l'adresse dans TTR_WORKBOOK "
            "et qu'il n'a pas été supprimé."
        )
    if status == 429:
        return QuotaError()
    if status == 400 and ("Unable to parse range" in message or "No grid with id" in message):
        return GridNotFoundError(
            f"Onglet introuvable dans le classeur ({message}). Lancez « ttr init » pour le recréer."
        )
    if 500 <= status < 600:
        return BackendError(f"Google Sheets est indisponible (erreur {status}). Réessayez dans un instant.")
    return BackendError(f"Google Sheets a refusé la requête (erreur {status}) : {message}")


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection was never opened, so the server cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    import urllib3.exceptions as u3

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (u3.NewConnectionError, u3.ConnectTimeoutError))


class SheetsHttp:
    """Sends one logical request, retrying as the module docstring says; counts every attempt."""

    def __init__(
        self,
        session: requests.Session,
        *,
        counters: dict[str, int],
        timeout: float | tuple[float, float] = (5, 30),
        max_retries: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 32.0,
        service_account_email: str | None = None,
        what: str = "",
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.counters = counters
        self.timeout = timeout
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.service_account_email = service_account_email
        self.what = what
        self.sleep = sleep
        self.rng = rng or random.Random()

    def call(
        self,
        method: str,
        url: str,
        *,
        kind: str,
        params: Sequence[tuple[str, str]] | None = None,
        body: Any = None,
        retries: int | None = None,
    ) -> Any:
        """The decoded JSON answer; ``kind`` is "read", "write" or "drive" (for counters and timeouts)."""
        data = dumps(body).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else {}
        limit = self.max_retries if retries is None else retries
        attempt = 0
        while True:
            self.counters[kind] = self.counters.get(kind, 0) + 1
            wait: float | None = None
            try:
                response = self.session.request(
                    method, url, params=list(params or []), data=data, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                failure = self._transport_failure(exc, kind)
                if failure is not None or attempt >= limit:
                    raise failure or self._transport_final(exc) from exc
            else:
                if response.status_code < 300:
                    return json.loads(response.text, parse_float=Decimal) if response.text.strip() else {}
                payload = self._payload(response)
                error = map_error(response.status_code, payload, service_account_email=self.service_account_email,
                                  what=self.what)
                if response.status_code not in RETRY_STATUSES or attempt >= limit:
                    raise error
                wait = retry_after(response)
                if wait is not None and wait > self.max_delay:
                    raise error  # cannot honour Retry-After within our budget: give up now
            self.sleep(self._delay(attempt, wait))
            attempt += 1

    def _delay(self, attempt: int, server_wait: float | None) -> float:
        if server_wait is not None:
            return server_wait + self.rng.uniform(0, self.base_delay)
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def _transport_failure(self, exc: requests.RequestException, kind: str) -> TTRError | None:
        """None when ``exc`` may be retried, else the error to raise now."""
        if _never_sent(exc) or kind != "write":
            return None
        if isinstance(exc, requests.Timeout):
            return BackendTimeoutError(
                "Google Sheets n'a pas répondu à temps : la modification a peut-être été enregistrée. "
                "Rechargez et vérifiez avant de recommencer."
            )
        return BackendError(
            "La connexion à Google Sheets a été coupée pendant l'enregistrement : la modification a peut-être "
            "été enregistrée. Rechargez et vérifiez avant de recommencer."
        )

    @staticmethod
    def _transport_final(exc: requests.RequestException) -> TTRError:
        if isinstance(exc, requests.Timeout):
            return BackendTimeoutError()
        return BackendError("Impossible de joindre Google Sheets. Vérifiez la connexion Internet puis réessayez.")

    @staticmethod
    def _payload(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return response.text[:500]
