"""The HTTP layer of the Google Sheets backend: gspread's HTTP client, our retry policy, errors mapped once.

gspread (``gspread.Client`` → ``HTTPClient``) holds the authorised session and names every Sheets endpoint
(``batch_update``, ``values_batch_get``, ``fetch_sheet_metadata``); no Sheets URL is built here. What we
add on top of it (``SheetsClient``): request bodies written with exact ``Decimal`` numbers and answers
parsed with ``Decimal`` (no float on the money path), a timeout on every call, and an optional base URL
(``TTR_SHEETS_API_URL``, for the local fake or an emulator). gspread's own ``BackOffHTTPClient`` is not
used: its retries are unbounded in kind (it would resend a write that Google may have applied).

Retry policy (``SheetsHttp.call``), bounded by ``max_retries``:

* **429** means the request was not applied: retried with exponential backoff and full jitter
  (``uniform(0, min(max_delay, base_delay * 2**attempt))``), or after ``Retry-After`` seconds (plus a little
  jitter) when Google sends it. A ``Retry-After`` longer than ``max_delay`` is not waited for.
* A connection that never opened (connect timeout, refused) is retried for every request.
* A **read** that got a 5xx, timed out or lost its connection is retried like a 429.
* A **write** that got a 5xx, timed out or lost its connection after being sent may have been applied by
  Google. It is never resent blindly: the caller's ``resolve`` is asked first (after the backoff wait); it
  re-reads what the write would have left (the unique IDs of the appended rows) and answers ``None`` when
  the write landed, or the request to send instead (only what did not land). A write without ``resolve``
  raises at once, saying the outcome is unknown.

Every other answer is permanent and mapped by ``map_error`` (the one place Google errors become ours).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL

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
USER_AGENT = "ttr-gestion (gzip)"
GOOGLE_SHEETS = SPREADSHEETS_API_V4_BASE_URL.split("/v4/")[0]  # Google's own host, as gspread names it
METADATA_EMAIL = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/email"
UNKNOWN_OUTCOME = ("Google Sheets n'a pas confirmé l'enregistrement : la modification a peut-être été enregistrée. "
                   "Rechargez et vérifiez avant de recommencer.")


class GridNotFoundError(MissingTabError):
    """A range or sheet id that Google no longer knows: the tab was deleted or renamed."""


class OutcomeUnknownError(BackendTimeoutError):
    """Google Sheets n'a pas confirmé l'enregistrement : il a peut-être eu lieu. Rechargez et vérifiez."""


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


class SheetsClient(HTTPClient):
    """gspread's HTTP client with exact numbers both ways and an optional base URL (fake or emulator)."""

    base_url = GOOGLE_SHEETS

    def request(self, method: str, endpoint: str, params: Any = None, data: bytes | None = None,
                json: Mapping[str, Any] | None = None, files: Any = None,
                headers: Any = None) -> requests.Response:
        # The compact, compressed answer: Google pretty-prints unless told not to, and gzips only for a
        # User-Agent that says "gzip" (a 10k-row read: 6.5 MB pretty, 2.8 MB compact, 0.36 MB gzip).
        params = {**(params or {}), "prettyPrint": "false"}
        headers = {**(headers or {}), "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        if json is not None:
            data = dumps(json).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        if self.base_url != GOOGLE_SHEETS and endpoint.startswith(GOOGLE_SHEETS):
            endpoint = self.base_url.rstrip("/") + endpoint[len(GOOGLE_SHEETS):]
        response = super().request(method, endpoint, params=params, data=data, files=files, headers=headers)
        _decimal_json(response)
        return response


def _decimal_json(response: requests.Response) -> None:
    """gspread calls ``response.json()``: make that parse numbers as ``Decimal``."""
    def parse(**_: Any) -> Any:
        return json.loads(response.text, parse_float=Decimal) if response.text.strip() else {}
    response.json = parse  # type: ignore[method-assign]


def service_account_email(credentials: Any, session: requests.Session | None = None) -> str | None:
    """The email to share the sheet with. On Cloud Functions the runtime's credentials say "default" until
    refreshed: refresh them, else ask the metadata server. None when it cannot be known."""
    def usable(value: Any) -> str | None:
        return str(value) if value and "@" in str(value) else None

    email = usable(getattr(credentials, "service_account_email", None))
    if email or credentials is None:
        return email
    try:
        from google.auth.transport.requests import Request

        credentials.refresh(Request())
        email = usable(getattr(credentials, "service_account_email", None))
    except Exception:  # noqa: BLE001 - informative only
        email = None
    if email:
        return email
    try:
        answer = (session or requests.Session()).get(METADATA_EMAIL, headers={"Metadata-Flavor": "Google"},
                                                     timeout=2)
        return usable(answer.text.strip()) if answer.status_code == 200 else None
    except requests.RequestException:
        return None


def map_error(status: int, error: Mapping[str, Any], *, service_account_email: str | None, what: str) -> TTRError:
    """The TTR error for Google's error object (``{"code", "message", "status", "details"}``)."""
    message = str(error.get("message") or "")[:500]
    reasons = {str(d.get("reason", "")) for d in error.get("details", []) or [] if isinstance(d, Mapping)}
    if status in (401, 403):
        if "SERVICE_DISABLED" in reasons or "has not been used" in message or "is disabled" in message:
            return AccessDeniedError(
                "L'API Google Sheets n'est pas activée pour ce projet Google Cloud. Activez-la dans la console "
                f"Google Cloud (API et services › Bibliothèque › Google Sheets API), puis réessayez. Détail : {message}"
            )
        if "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in reasons or "insufficient authentication scopes" in message.lower():
            return AccessDeniedError(
                "Les identifiants Google n'ont pas l'autorisation « spreadsheets » (portée OAuth insuffisante). "
                "Utilisez un compte de service avec les portées Sheets et Drive (lecture), puis réessayez."
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


def retry_after(response: requests.Response | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    value = response.headers.get("Retry-After") if response is not None else None
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


Send = Callable[[], Any]
Resolve = Callable[[], "Send | None"]


class SheetsHttp:
    """Sends one logical request, retrying as the module docstring says; counts every attempt."""

    def __init__(
        self,
        client: SheetsClient,
        *,
        counters: dict[str, int],
        timeout: float | tuple[float, float] = (5, 30),
        max_retries: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 32.0,
        email: Callable[[], str | None] = lambda: None,
        what: str = "",
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.counters = counters
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.email = email
        self.what = what
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.timeout = timeout

    @property
    def timeout(self) -> float | tuple[float, float]:
        return self._timeout

    @timeout.setter
    def timeout(self, value: float | tuple[float, float]) -> None:
        self._timeout = value
        self.client.set_timeout(value)

    @property
    def session(self) -> requests.Session:
        return self.client.session

    def call(self, kind: str, send: Send, *, retries: int | None = None, resolve: Resolve | None = None) -> Any:
        """What ``send()`` returns (a gspread call); ``kind`` is "read", "write" or "drive"."""
        limit = self.max_retries if retries is None else retries
        attempt = 0
        while True:
            self.counters[kind] = self.counters.get(kind, 0) + 1
            try:
                return send()
            except APIError as exc:
                status = int(exc.response.status_code)
                error = map_error(status, exc.error, service_account_email=self._email(status), what=self.what)
                if status not in RETRY_STATUSES:
                    raise error from None
                unsure = kind == "write" and status != 429
                wait = retry_after(exc.response)
                if wait is not None and wait > self.max_delay:
                    if not unsure:
                        raise error from None  # cannot honour Retry-After within our budget: give up now
                    wait = self.max_delay
            except requests.RequestException as exc:
                unsure = kind == "write" and not _never_sent(exc)
                error, wait = self._transport_error(exc, unsure), self._read_timeout() if unsure else None
            if unsure and resolve is None:
                raise OutcomeUnknownError(UNKNOWN_OUTCOME) from None
            if attempt >= limit and not unsure:
                raise error
            self.sleep(self._delay(attempt, wait))
            attempt += 1
            if unsure:
                assert resolve is not None
                follow = resolve()  # did it land? (never resent before knowing)
                if follow is None:
                    return None  # it had landed: nothing to resend
                if attempt > limit:
                    raise error  # it did not land, and the budget is spent: the caller may try again
                send = follow

    def _email(self, status: int) -> str | None:
        return self.email() if status == 403 else None

    def _read_timeout(self) -> float:
        """A write that timed out may still be running at Google: wait that long before looking."""
        t = self.timeout
        return float(t[1] if isinstance(t, tuple) else t)

    def _delay(self, attempt: int, server_wait: float | None) -> float:
        if server_wait is not None:
            return server_wait + self.rng.uniform(0, self.base_delay)
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    @staticmethod
    def _transport_error(exc: requests.RequestException, sent_write: bool) -> TTRError:
        if sent_write:
            return OutcomeUnknownError(UNKNOWN_OUTCOME)
        if isinstance(exc, requests.Timeout):
            return BackendTimeoutError()
        return BackendError("Impossible de joindre Google Sheets. Vérifiez la connexion Internet puis réessayez.")
