"""Product images: generated with ``TRIX_IMAGE_MODEL``, stored, linked from the stock ``Image`` column.

Where the file goes (``functions.trix.storage``): a private Cloud Storage bucket when ``TRIX_IMAGE_BUCKET``
is set (the cloud deployment; ``deploy.sh`` creates ``<project>-ttr-images``); otherwise the folder
``TRIX_IMAGE_DIR``; otherwise, in the embedded default, a folder beside the workbook (``<workbook
stem>-images/``). A Google Sheets workbook with neither setting gets a French error that says what to set.
The image is named ``<article id>-<random>.<png|jpg|webp>`` (a new name per image, so a link never shows a
stale picture) and served by the web app's public route ``GET /trix/images/<name>`` on every backend (the
bucket needs no public access). The link lands in the article's ``Image`` cell through one Business
action, with its Journal row; when that write fails, the stored file is removed.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from functions.books.commands import Command
from functions.books.records import describe, require
from functions.business import Business
from functions.errors import InvalidInputError, NotFoundError, TTRError
from functions.store.workbook import Book, Change, JournalEntry
from functions.trix.config import TrixSettings
from functions.trix.errors import TrixProviderError, provider_error
from functions.trix.storage import ImageStorage, ImageStorageError, LocalFolder
from functions.trix.storage import from_env as storage_from_env

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 20 * 1024 * 1024
NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}-[0-9a-f]{12}\.(png|jpg|webp)$")
KINDS = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
MIME = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def image_store(biz: Business, settings: TrixSettings, env: Mapping[str, str] | None = None, *,
                session: Any = None) -> ImageStorage:
    """The business's image storage: the bucket, else ``TRIX_IMAGE_DIR``, else a folder beside the workbook."""
    cloud = storage_from_env(os.environ if env is None else env, session=session)
    if cloud is not None:
        return cloud
    if settings.image_dir:
        return LocalFolder(Path(settings.image_dir).expanduser())
    path = getattr(biz.workbook.backend, "path", None)
    if path:
        p = Path(path)
        return LocalFolder(p.with_name(p.stem + "-images"))
    raise ImageStorageError("Images de produits : indiquez où les enregistrer. En ligne, TRIX_IMAGE_BUCKET (un bucket "
                            "Cloud Storage ; deploy.sh le crée) ; sinon un dossier dans TRIX_IMAGE_DIR. Google Drive "
                            "n'est pas pris en charge.")


def image_prompt(article: Any) -> str:
    from functions.trix.prompt import _env

    def clip(value: Any, n: int) -> str:
        return " ".join(str(value or "").split())[:n]

    return _env().get_template("image.txt").render(article=clip(article["article"], 120), unit=clip(article["unit"], 30),
                                                   notes=clip(article["notes"], 300)).strip()


def download(url: str, client: Any = None) -> bytes:
    """The bytes of an image the provider gives as a link (``url`` instead of ``b64_json``): one GET through
    ``functions.http`` (timeouts, no redirect followed, at most ``MAX_IMAGE_BYTES``), retried once only when
    nothing was sent (a GET is safe to resend)."""
    import httpx

    from functions import http

    if not re.match(r"^https?://[^/\s]+", url or ""):
        raise TrixProviderError("Lien d'image reçu invalide.")
    own = client is None
    client = client or http.client(connect=5.0, read=30.0)
    try:
        for attempt in (1, 2):
            try:
                with client.stream("GET", url) as res:
                    if res.status_code != 200:
                        raise TrixProviderError(f"Téléchargement de l'image refusé (HTTP {res.status_code}). Réessayez.")
                    chunks, size = [], 0
                    for chunk in res.iter_bytes(64 * 1024):
                        size += len(chunk)
                        if size > MAX_IMAGE_BYTES:
                            raise TrixProviderError("Image reçue trop volumineuse.")
                        chunks.append(chunk)
                    return b"".join(chunks)
            except httpx.HTTPError as exc:
                if http.failure(exc) == http.NOT_SENT and attempt == 1:
                    continue
                log.warning("TRIX images : téléchargement impossible (%s).", type(exc).__name__)
                raise TrixProviderError("L'image générée n'a pas pu être téléchargée. Réessayez.") from None
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        if own:
            client.close()


def decode(response: Any, client: Any = None) -> tuple[bytes, str]:
    """The image bytes of an images API answer (``b64_json``, or a ``url`` to download) and their kind;
    refused when not an image."""
    data = getattr(response, "data", None) or []
    b64 = getattr(data[0], "b64_json", None) if data else None
    link = getattr(data[0], "url", None) if data else None
    if not b64 and not link:
        raise TrixProviderError("Le fournisseur d'images n'a pas renvoyé d'image (b64_json). Vérifiez TRIX_IMAGE_MODEL.")
    if b64 and len(b64) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise TrixProviderError("Image reçue trop volumineuse.")
    if b64:
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise TrixProviderError("Image reçue illisible. Réessayez.") from None
    else:
        raw = download(str(link), client)
    kind = next((k for magic, k in KINDS.items() if raw.startswith(magic)), None)
    if kind is None and raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        kind = "webp"
    if kind is None:
        raise TrixProviderError("Le fichier reçu n'est pas une image PNG, JPEG ou WebP.")
    return raw, kind


def set_image(book: Book, article_id: str, url: str) -> Change:
    record = require(book, "stock", article_id)
    change = Change()
    change.set(record, {"image": url})
    change.journal.append(JournalEntry("image", "stock", record.id,
                                       describe(book.schema.tab("stock"), record.values, {"image": url})))
    change.result.update(id=record.id, image=url)
    return change


@dataclass(frozen=True)
class SetImage(Command):
    """The article's ``Image`` cell set to a generated image's link (journaled)."""

    article_id: str
    url: str
    tabs: ClassVar[tuple[str, ...]] = ("settings", "stock")

    def apply(self, book: Book, ctx: Any) -> Change:
        return set_image(book, self.article_id, self.url)


def generate(biz: Business, article_id: str, settings: TrixSettings, *, actor: str, public_url: str,
             client: Any = None, store: ImageStorage | None = None, env: Mapping[str, str] | None = None,
             storage_session: Any = None) -> dict[str, Any]:
    """Generate the article's image, store it, put its link in ``Image`` (journaled); returns the link.

    ``env`` (default: the process environment) chooses the storage; ``storage_session`` is the
    ``httpx.Client`` for Cloud Storage (``functions.http``) (default: Application Default Credentials)."""
    import openai

    from functions.trix.chat import charge_budget

    settings.require_key()
    article_id = str(article_id or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", article_id):
        raise NotFoundError(f"Stock : aucun article avec l'ID « {article_id[:40]} ».")
    store = store or image_store(biz, settings, env, session=storage_session)
    article = require(biz.load(["stock"]), "stock", article_id)
    charge_budget(biz, settings)
    kwargs: dict[str, Any] = {"model": settings.image_model, "prompt": image_prompt(article), "n": 1, "size": "1024x1024"}
    if not settings.image_model.startswith("gpt-image"):
        kwargs["response_format"] = "b64_json"  # gpt-image models always answer b64_json and refuse the option
    try:
        response = (client or settings.client()).images.generate(**kwargs)
    except openai.OpenAIError as exc:
        log.warning("TRIX images : erreur du fournisseur (%s).", type(exc).__name__)
        raise provider_error(exc) from None
    raw, kind = decode(response)
    name = f"{article_id}-{secrets.token_hex(6)}.{kind}"
    store.save(name, raw, MIME[kind])
    url = f"{public_url.rstrip('/')}/trix/images/{name}"
    try:
        biz.submit(SetImage(article_id, url), actor)
    except Exception:
        try:
            store.delete(name)  # the link could not be written: no orphan file
        except TTRError as exc:
            log.warning("TRIX images : %s n'a pas pu être supprimée après l'échec de l'écriture (%s).", name, exc.message)
        raise
    log.info("TRIX images : image de l'article %s enregistrée (%d octets).", article_id, len(raw))
    return {"id": article_id, "image": url, "fichier": name}


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise InvalidInputError("Nom d'image invalide.")
    return name
