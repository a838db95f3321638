"""Where product images live: one small interface, two backends.

    ImageStorage               save(name, data, content_type) · open(name) · delete(name)
    ├── LocalFolder            files in a folder (beside the workbook in the embedded default, or TRIX_IMAGE_DIR)
    └── CloudStorage           objects in a private Cloud Storage bucket (TRIX_IMAGE_BUCKET), JSON API

The bucket stays private (uniform bucket-level access, no public reader): the web app's public route
``GET /trix/images/<name>`` streams an object with the service account's credentials, so the link in the
``Image`` column is the app's own address on both backends.

Cloud Storage calls go through an injected ``httpx.Client`` (``functions.http``; in production one whose
auth is ``http.GoogleAuth`` over Application Default Credentials, scope ``devstorage.read_write``), each
with a timeout, and are retried a bounded number of times on 408/429/5xx, a timeout or a lost connection. An upload is sent with
``ifGenerationMatch=0`` (create only, never overwrite), so resending it is safe: a 412 on a resend means an
earlier attempt landed, which is checked by comparing the stored object's MD5 with ours.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from functions.errors import BackendError

log = logging.getLogger(__name__)

STORAGE_URL = "https://storage.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$")
RETRY_STATUS = {408, 429, 500, 502, 503, 504}
CHUNK = 64 * 1024


class ImageStorageError(BackendError):
    """Stockage des images indisponible. Indiquez un bucket Cloud Storage dans TRIX_IMAGE_BUCKET ou un dossier
    dans TRIX_IMAGE_DIR."""

    status = 503


@dataclass
class StoredImage:
    """An image being read: its bytes in chunks (or a local path to send), closed once sent."""

    chunks: Iterable[bytes]
    size: int | None = None
    path: Path | None = None
    close: Callable[[], None] = field(default=lambda: None)


class ImageStorage(ABC):
    """A place for image files named by the caller (names are checked: no path, no traversal)."""

    #: identifies the place, so a caller trying several businesses asks each place once
    key: str

    @abstractmethod
    def save(self, name: str, data: bytes, content_type: str) -> None: ...

    @abstractmethod
    def open(self, name: str) -> StoredImage | None: ...

    @abstractmethod
    def delete(self, name: str) -> None: ...


def _safe(name: str) -> str | None:
    return name if SAFE_NAME.match(name or "") and ".." not in name else None


class LocalFolder(ImageStorage):
    """Image files in one folder, written atomically (temporary file, then rename)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.key = f"folder:{self.folder.resolve()}"

    def save(self, name: str, data: bytes, content_type: str = "") -> None:
        if _safe(name) is None:
            raise ImageStorageError("Nom d'image invalide.")
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(self.folder / name)

    def path(self, name: str) -> Path | None:
        if _safe(name) is None:
            return None
        p = self.folder / name
        return p if p.is_file() else None

    def open(self, name: str) -> StoredImage | None:
        p = self.path(name)
        return StoredImage(chunks=(), size=p.stat().st_size, path=p) if p is not None else None

    def delete(self, name: str) -> None:
        p = self.path(name)
        if p is not None:
            p.unlink()


_default_lock = threading.Lock()
_default: dict[str, Any] = {}


def default_session() -> Any:
    """An httpx client authenticated by Application Default Credentials (the function's service account), made once."""
    with _default_lock:
        if "session" not in _default:
            import google.auth
            from google.auth.exceptions import GoogleAuthError

            from functions import http

            try:
                credentials, _ = google.auth.default(scopes=[SCOPE])
            except GoogleAuthError:
                raise ImageStorageError(
                    "Cloud Storage : aucun identifiant Google trouvé. En ligne, les fonctions utilisent leur compte "
                    "de service ; sur un ordinateur, lancez « gcloud auth application-default login » ou indiquez "
                    "GOOGLE_APPLICATION_CREDENTIALS.") from None
            _default["session"] = http.client(connect=5.0, read=60.0, auth=http.GoogleAuth(credentials))
        return _default["session"]


class CloudStorage(ImageStorage):
    """Objects in a Cloud Storage bucket through the JSON API (media upload, ``alt=media`` download)."""

    def __init__(self, bucket: str, *, session: Any = None, base_url: str = STORAGE_URL,
                 timeout: tuple[float, float] = (5.0, 60.0), attempts: int = 4,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not BUCKET.match(bucket or "") or ".." in bucket:
            raise ImageStorageError(f"TRIX_IMAGE_BUCKET invalide : « {str(bucket)[:70]} » n'est pas un nom de bucket "
                                    "Cloud Storage (minuscules, chiffres, tirets ; 3 à 63 caractères).")
        if not re.match(r"^https?://[^/\s]+", base_url or ""):
            raise ImageStorageError(f"TRIX_STORAGE_URL invalide : « {str(base_url)[:70]} » (attendu https://…).")
        self.bucket = bucket
        self.base = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.sleep = sleep
        self.key = f"gcs:{self.base}/{bucket}"

    # -- the interface ---------------------------------------------------------------------------------
    def save(self, name: str, data: bytes, content_type: str) -> None:
        if _safe(name) is None:
            raise ImageStorageError("Nom d'image invalide.")
        url = f"{self.base}/upload/storage/v1/b/{quote(self.bucket, safe='')}/o"
        params = {"uploadType": "media", "name": name, "ifGenerationMatch": "0"}
        res = self._call("POST", url, "enregistrer", params=params, data=data,
                         headers={"Content-Type": content_type}, ok={200, 201, 412})
        if res.status_code == 412:  # the name exists: ours from an earlier attempt, or someone else's
            if self._md5(name) != base64.b64encode(hashlib.md5(data).digest()).decode():
                raise ImageStorageError(f"Cloud Storage : une autre image porte déjà le nom « {name} ». Réessayez.")
            log.info("Cloud Storage : %s était déjà enregistrée (tentative précédente arrivée).", name)

    def open(self, name: str) -> StoredImage | None:
        if _safe(name) is None:
            return None
        res = self._call("GET", self._object_url(name), "lire", params={"alt": "media"}, stream=True, ok={200, 404})
        if res.status_code == 404:
            res.close()
            return None
        length = res.headers.get("Content-Length")
        return StoredImage(chunks=res.iter_bytes(CHUNK), size=int(length) if length and length.isdigit() else None,
                           close=res.close)

    def delete(self, name: str) -> None:
        if _safe(name) is not None:
            self._call("DELETE", self._object_url(name), "supprimer", ok={200, 204, 404})

    # -- HTTP ------------------------------------------------------------------------------------------
    def _object_url(self, name: str) -> str:
        return f"{self.base}/storage/v1/b/{quote(self.bucket, safe='')}/o/{quote(name, safe='')}"

    def _md5(self, name: str) -> str | None:
        res = self._call("GET", self._object_url(name), "vérifier", params={"fields": "md5Hash"}, ok={200, 404})
        try:
            return str(res.json().get("md5Hash")) if res.status_code == 200 else None
        except ValueError:
            return None

    def _call(self, method: str, url: str, verb: str, *, ok: set[int], stream: bool = False,
              data: bytes | None = None, **kwargs: Any) -> Any:
        """One Cloud Storage call, retried on transient failures (every call here is safe to resend: reads,
        deletes, create-only uploads); an ``ok`` answer or a French error."""
        import httpx
        from google.auth.exceptions import GoogleAuthError

        from functions import http

        session = self.session if self.session is not None else default_session()
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self._pause(attempt, problem))
            try:
                request = session.build_request(method, url, content=data, timeout=http.timeout(*self.timeout),
                                                **kwargs)
                res = session.send(request, stream=stream)
            except httpx.HTTPError as exc:
                problem = "timeout" if http.failure(exc) == http.TIMEOUT else "connexion"
                continue
            except GoogleAuthError:
                raise ImageStorageError("Cloud Storage : les identifiants Google du compte de service n'ont pas pu "
                                        "être renouvelés. Réessayez dans un instant.") from None
            if res.status_code in ok:
                return res
            res.close()
            if res.status_code in RETRY_STATUS:
                problem = f"{res.status_code}:{res.headers.get('Retry-After', '')}"
                continue
            raise self._refused(res.status_code, verb)
        log.warning("Cloud Storage : %s %s abandonné après %d essais (%s).", method, self.bucket, self.attempts,
                    problem.split(":")[0])
        if problem == "timeout":
            raise ImageStorageError(f"Cloud Storage n'a pas répondu à temps (impossible de {verb} l'image). Réessayez.")
        if problem == "connexion":
            raise ImageStorageError(f"Impossible de joindre Cloud Storage ({self.base}) pour {verb} l'image. "
                                    "Vérifiez la connexion et TRIX_STORAGE_URL.")
        raise ImageStorageError(f"Cloud Storage est indisponible (HTTP {problem.split(':')[0]}) : impossible de "
                                f"{verb} l'image après {self.attempts} essais. Réessayez dans un instant.")

    @staticmethod
    def _pause(attempt: int, problem: str) -> float:
        wait = min(0.25 * 2 ** (attempt - 1), 4.0)
        after = problem.partition(":")[2]
        return min(float(after), 10.0) if after.isdigit() else wait

    def _refused(self, status: int, verb: str) -> ImageStorageError:
        if status in (401, 403):
            return ImageStorageError(f"Cloud Storage refuse l'accès au bucket « {self.bucket} » (HTTP {status}). "
                                     "Donnez au compte de service des fonctions le rôle roles/storage.objectAdmin sur "
                                     "ce bucket (deploy.sh le fait).")
        if status == 404:
            return ImageStorageError(f"Bucket Cloud Storage « {self.bucket} » introuvable (HTTP 404). Vérifiez "
                                     "TRIX_IMAGE_BUCKET ou relancez deploy.sh, qui le crée.")
        return ImageStorageError(f"Cloud Storage a refusé de {verb} l'image (HTTP {status}).")


def from_env(env: Mapping[str, str], *, session: Any = None) -> CloudStorage | None:
    """The Cloud Storage backend when ``TRIX_IMAGE_BUCKET`` is set (``TRIX_STORAGE_URL`` overrides the API)."""
    bucket = (env.get("TRIX_IMAGE_BUCKET") or "").strip()
    if not bucket:
        return None
    if bucket.startswith("gs://"):
        bucket = bucket[5:].rstrip("/")
    return CloudStorage(bucket, session=session, base_url=(env.get("TRIX_STORAGE_URL") or "").strip() or STORAGE_URL)


def read_all(image: StoredImage) -> Iterator[bytes]:
    """The chunks of an opened image (a file's content when it is local), closing it at the end."""
    try:
        if image.path is not None:
            with image.path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    yield chunk
        else:
            yield from image.chunks
    finally:
        image.close()
