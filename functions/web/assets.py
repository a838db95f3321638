"""Static files (CSS, JS) under a content-hashed name, cached for a year, and gzip for every text answer.

* ``/static/<stem>.<hash>.<ext>`` serves a file of ``ASSETS`` (read from ``templates/``) with
  ``Cache-Control: public, max-age=31536000, immutable`` and an ``ETag``; a new version of the file has
  a new name, so a browser never keeps an old one. ``asset("office.css")`` (a Jinja global) gives the URL.
* The older unhashed URLs still answer (bookmarks, a page cached before an upgrade) with a day's cache,
  never ``no-store``; in the pages, ``href``/``src`` pointing at them are given the hashed URL.
* Every text answer (HTML, CSS, JS, JSON, SVG) of some size is gzip-compressed when the browser accepts it;
  streamed answers (TRIX's Server-Sent Events) are left alone.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, request

from functions.templating import TEMPLATE_DIR

#: public name -> (file under templates/, MIME type)
ASSETS: dict[str, tuple[str, str]] = {
    "style.css": ("web/style.css", "text/css"),
    "office.css": ("web/office/office.css", "text/css"),
    "2048.js": ("web/office/2048.js", "text/javascript"),
    "agenda.js": ("web/office/agenda.js", "text/javascript"),
    "ventes.css": ("web/sales/sales.css", "text/css"),
    "trix.js": ("trix/trix.js", "text/javascript"),
}
#: unhashed URLs served by the modules' own routes -> the asset they are
LEGACY = {"/style.css": "style.css", "/office/static/office.css": "office.css", "/office/static/2048.js": "2048.js",
          "/ventes.css": "ventes.css", "/trix/trix.js": "trix.js"}
YEAR = "public, max-age=31536000, immutable"
DAY = "public, max-age=86400"
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
MIN_SIZE = 512
_LEGACY_REF = re.compile(r'((?:href|src)=")(' + "|".join(re.escape(u) for u in LEGACY) + r')(")')


@dataclass(frozen=True)
class Asset:
    name: str
    mimetype: str
    body: bytes
    gz: bytes
    digest: str
    mtime: float

    @property
    def url(self) -> str:
        stem, dot, ext = self.name.rpartition(".")
        return f"/static/{stem}.{self.digest}{dot}{ext}"


_cache: dict[str, Asset] = {}
_mutex = threading.Lock()


def load(name: str) -> Asset:
    """The current version of an asset (read again when its file changes: one ``stat`` per call)."""
    rel, mimetype = ASSETS[name]
    path = Path(TEMPLATE_DIR) / rel
    mtime = path.stat().st_mtime
    cached = _cache.get(name)
    if cached is not None and cached.mtime == mtime:
        return cached
    body = path.read_bytes()
    asset = Asset(name, mimetype, body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:12],
                  mtime)
    with _mutex:
        _cache[name] = asset
    return asset


def asset(name: str) -> str:
    """The hashed URL of an asset, for templates: ``{{ asset('office.css') }}``."""
    return load(name).url


def _accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def serve(filename: str) -> Any:
    match = re.fullmatch(r"(.+)\.([0-9a-f]{12})(\.[a-z0-9]+)", filename)
    name = f"{match.group(1)}{match.group(3)}" if match else ""
    if name not in ASSETS:
        abort(404)
    assert match is not None
    current = load(name)
    fresh = match.group(2) == current.digest
    etag = f'"{current.digest}"'
    headers = {"Cache-Control": YEAR if fresh else "public, max-age=300", "ETag": etag, "Vary": "Accept-Encoding"}
    if etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304, headers=headers)
        response.ttr_cache = headers["Cache-Control"]  # type: ignore[attr-defined]
        return response
    gz = _accepts_gzip()
    response = Response(current.gz if gz else current.body, mimetype=current.mimetype, headers=headers)
    if gz:
        response.headers["Content-Encoding"] = "gzip"
    response.ttr_cache = headers["Cache-Control"]  # type: ignore[attr-defined]
    return response


serve.ttr_access = "public"  # type: ignore[attr-defined]


def finish(response: Response) -> Response:
    """After every request (and after the guard's headers): cache rules of static files, hashed URLs in
    pages, gzip."""
    cache = getattr(response, "ttr_cache", None)
    if cache is not None:  # a hashed asset (the guard may have set no-store for a logged-in user)
        response.headers["Cache-Control"] = cache
        return response
    if request.path in LEGACY and response.status_code == 200:
        response.headers["Cache-Control"] = DAY
    if response.status_code != 200 or response.direct_passthrough or response.is_streamed or \
            "Content-Encoding" in response.headers:
        return response
    mimetype = response.mimetype or ""
    if mimetype == "text/html":
        html = response.get_data(as_text=True)
        rewritten = _LEGACY_REF.sub(lambda m: m.group(1) + asset(LEGACY[m.group(2)]) + m.group(3), html)
        if rewritten != html:
            response.set_data(rewritten)
    if not mimetype.startswith(COMPRESSIBLE):
        return response
    response.vary.add("Accept-Encoding")
    if not _accepts_gzip():
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, 6))
    response.headers["Content-Encoding"] = "gzip"
    return response


def install(app: Flask) -> None:
    """Call before ``guard.install``: Flask runs after-request functions in reverse order, so ``finish``
    sees the headers the guard set (and replaces its ``no-store`` on static files)."""
    app.add_url_rule("/static/<filename>", "asset", serve)
    app.jinja_env.globals["asset"] = asset
    app.after_request(finish)
