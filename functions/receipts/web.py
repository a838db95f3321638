"""The public receipt pages: ``/r/<id>`` (``?format=a4|80mm|58mm``) and ``/r/<id>.pdf`` (or ``?pdf=1``).

A GET reads and never writes (chat apps' preview bots fetch every link). Unknown, malformed, altered and
revoked ids, and receipts whose row is gone, all get the same 404 page, byte for byte, with the same
headers. One address gets at most ``RATE`` pages a minute (then 429 with ``Retry-After``): a receipt reads
only the state store, a statement reads the workbook, and a bot fetching links must not spend the quota that
sales need. The counter lives in the process (a GET writes nothing, not even a counter in the state store);
each instance counts for itself, which is enough against a bot and never blocks a person.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from functools import lru_cache
from typing import Any

import jinja2
from flask import Blueprint, Response, current_app, request

from functions.receipts import store

bp = Blueprint("receipts", __name__)
RATE = (60, 60.0)  # pages, per seconds, per address (``app.config["TTR_RECEIPT_RATE"]`` overrides it)
MAX_ADDRESSES = 10_000  # the oldest address is forgotten beyond this (bounded memory)

FORMATS = {"a4": ("A4", "12mm"), "80mm": ("80mm auto", "3mm"), "58mm": ("58mm auto", "2mm")}
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                               "img-src 'self' data: https: http:; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from functions.templating import environment as base

    env = base()
    from functions.receipts.render import qty

    env.filters["qty"] = qty
    return env


@lru_cache(maxsize=1)
def not_found_body() -> bytes:
    return environment().get_template("receipts/not_found.html").render().encode()


def not_found() -> Response:
    return _respond(Response(not_found_body(), status=404, mimetype="text/html"))


def _respond(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response


def page_format(value: str | None) -> str:
    value = (value or "").lower().replace(" ", "")
    return value if value in FORMATS else "a4"


def render_page(data: dict[str, Any], fmt: str = "a4") -> str:
    size, margin = FORMATS[fmt]
    suffix = "" if fmt == "a4" else f"?format={fmt}"
    return environment().get_template("receipts/receipt.html").render(
        v=data, fmt=fmt, page_size=size, page_margin=margin, pdf_href=f"{data['url'].rsplit('/', 1)[-1]}.pdf{suffix}")


def load_view(biz: Any, receipt_id: str, base: str) -> dict[str, Any] | None:
    """The page data of a receipt: its frozen content, read from the state store only (a receipt is a
    document: nothing is read from the workbook); a statement, or a receipt issued before receipts were
    frozen, is the live view of the workbook. None for anything that must 404."""
    from functions.receipts.render import book_keys, digest, page, thaw, view

    receipt = store.find(biz.state, receipt_id)
    if receipt is None:
        return None
    if receipt.content is not None:
        if digest(receipt.content) != receipt.digest:  # altered since it was issued: not this document
            return None
        data = page(thaw(receipt.content), store.link(base, receipt.id))
        if receipt.replaced_by:
            data["replaced"] = {"number": receipt.replaced_number, "url": store.link(base, receipt.replaced_by),
                                "on": _when(receipt.replaced_on)}
        return data
    book = biz.load(book_keys(receipt.kind))
    live = view(book, receipt, store.link(base, receipt.id), biz.now())
    if live is not None and receipt.kind == "statement":
        live["live"] = True
    return live


def _when(text: str) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class Limiter:
    """At most ``count`` hits per ``window`` seconds per key, in memory (sliding window)."""

    def __init__(self, count: int, window: float, clock: Any = time.monotonic) -> None:
        self.count, self.window, self.clock = count, window, clock
        self.hits: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """0 when ``key`` may go on (the hit is counted), else the seconds to wait."""
        now = self.clock()
        with self.lock:
            seen = self.hits.pop(key, None) or deque()
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            self.hits[key] = seen  # most recent last: the first key is the one seen least recently
            if len(self.hits) > MAX_ADDRESSES:
                self.hits.pop(next(iter(self.hits)))
            if len(seen) >= self.count:
                return max(1, int(seen[0] + self.window - now + 0.999))
            seen.append(now)
            return 0


def limiter() -> Limiter:
    ext = current_app.extensions
    if "ttr_receipt_limiter" not in ext:
        count, window = current_app.config.get("TTR_RECEIPT_RATE") or RATE
        ext["ttr_receipt_limiter"] = Limiter(int(count), float(window))
    return ext["ttr_receipt_limiter"]  # type: ignore[no-any-return]


def too_many(wait: int) -> Response:
    body = environment().get_template("receipts/not_found.html").render(
        title="Trop de demandes", message="Trop de demandes depuis votre connexion : réessayez dans une minute.")
    response = _respond(Response(body, status=429, mimetype="text/html"))
    response.headers["Retry-After"] = str(wait)
    return response


def show(receipt_id: str) -> Response:
    """``/r/<id>``: the page, or the PDF for ``<id>.pdf`` and ``?pdf=1``."""
    from functions.accounts.throttle import client_address

    env = current_app.config.get("TTR_ENV") or {}
    address = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                             env.get("TTR_TRUSTED_PROXIES"))
    if wait := limiter().retry_after(address):
        return too_many(wait)
    pdf = request.args.get("pdf") == "1"
    if receipt_id.endswith(".pdf"):
        receipt_id, pdf = receipt_id[:-4], True
    if not store.valid_id(receipt_id):
        return not_found()
    base = store.public_url(env)
    data = load_view(current_app.config["TTR_BUSINESS"](), receipt_id, base)
    if data is None:  # a receipt of another workspace (links carry no workspace: ids are random and unique)
        everyone = current_app.config.get("TTR_BUSINESSES")
        for biz in (everyone().values() if everyone else ()):
            data = load_view(biz, receipt_id, base)
            if data is not None:
                break
    if data is None:
        return not_found()
    fmt = page_format(request.args.get("format"))
    if pdf:
        from functions.receipts.pdf import render_pdf

        body = render_pdf(data, fmt)
        response = Response(body, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="recu-{data["number"]}.pdf"'
        return _respond(response)
    return _respond(Response(render_page(data, fmt), mimetype="text/html"))


show.ttr_access = "public"  # type: ignore[attr-defined]
bp.add_url_rule("/r/<receipt_id>", "show", show, methods=["GET"])
