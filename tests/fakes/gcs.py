"""A local fake of the Cloud Storage JSON API: the subset the product images use, over real HTTP.

Served by werkzeug in a thread, so the client's session, headers, timeouts and retries run for real.

* ``POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name=…[&ifGenerationMatch=0]``: a media upload;
  the body is the object, its ``Content-Type`` the object's. With ``ifGenerationMatch=0`` an existing object
  answers 412 (``conditionNotMet``) and is left as it was.
* ``GET /storage/v1/b/{bucket}/o/{object}``: the object's metadata (``md5Hash`` base64, ``size``, …);
  with ``alt=media``: its bytes.
* ``DELETE /storage/v1/b/{bucket}/o/{object}``: 204.
* An unknown bucket or object: 404 with Google's error envelope. A request without ``Authorization:
  Bearer <token>``: 401; with another token: 403.

Knobs: ``fail_next`` (statuses answered to the next requests instead of serving them), ``lose_next``
(seconds to wait before answering the next upload, which is stored first: the answer of a write that
landed is lost when the client's timeout is shorter). Every request is recorded in ``requests``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

TOKEN = "ya29.fake-storage-token"


@dataclass
class Seen:
    method: str
    path: str
    args: dict[str, str]
    authorization: str
    content_type: str
    size: int


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    generation: int

    @property
    def md5(self) -> str:
        return base64.b64encode(hashlib.md5(self.data).digest()).decode()


def _error(status: int, reason: str, message: str) -> Response:
    body = {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}}
    return Response(json.dumps(body), status=status, content_type="application/json; charset=UTF-8")


class FakeGCS:
    def __init__(self, buckets: tuple[str, ...] = ("demo-ttr-images",), token: str = TOKEN) -> None:
        self.token = token
        self.buckets: dict[str, dict[str, StoredObject]] = {b: {} for b in buckets}
        self.requests: list[Seen] = []
        self.fail_next: list[int] = []
        self.lose_next: list[float] = []
        self.lock = threading.Lock()
        self._generation = 1_700_000_000_000_000
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def start(self) -> FakeGCS:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def objects(self, bucket: str) -> dict[str, StoredObject]:
        with self.lock:
            return dict(self.buckets[bucket])

    def seen(self, method: str) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if r.method == method]

    # -- serving ---------------------------------------------------------------------------------------
    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._handle(Request(environ), environ)(environ, start_response)

    def _handle(self, req: Request, environ: dict[str, Any]) -> Response:
        raw_path = urlsplit(environ.get("RAW_URI") or environ.get("REQUEST_URI") or req.path).path
        data = req.get_data()
        auth = req.headers.get("Authorization", "")
        with self.lock:
            self.requests.append(Seen(req.method, raw_path, dict(req.args), auth, req.headers.get("Content-Type", ""),
                                      len(data)))
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return _error(401, "required", "Anonymous caller does not have storage.objects.create access.")
        if auth[7:] != self.token:
            return _error(403, "forbidden", "The caller does not have permission")
        with self.lock:
            status = self.fail_next.pop(0) if self.fail_next else 0
        if status:
            return _error(status, "backendError" if status >= 500 else "rateLimitExceeded", "Injected failure")
        parts = raw_path.split("/")
        if req.method == "POST" and parts[:5] == ["", "upload", "storage", "v1", "b"] and parts[6:] == ["o"]:
            return self._upload(unquote(parts[5]), req, data)
        if parts[:4] == ["", "storage", "v1", "b"] and len(parts) == 7 and parts[5] == "o":
            bucket, name = unquote(parts[4]), unquote(parts[6])
            if req.method == "GET":
                return self._get(bucket, name, req)
            if req.method == "DELETE":
                return self._delete(bucket, name)
        return _error(404, "notFound", f"Not Found: {req.method} {raw_path}")

    def _meta(self, bucket: str, name: str, obj: StoredObject) -> dict[str, Any]:
        return {"kind": "storage#object", "bucket": bucket, "name": name, "generation": str(obj.generation),
                "contentType": obj.content_type, "size": str(len(obj.data)), "md5Hash": obj.md5}

    def _upload(self, bucket: str, req: Request, data: bytes) -> Response:
        if bucket not in self.buckets:
            return _error(404, "notFound", "The specified bucket does not exist.")
        name = req.args.get("name", "")
        if req.args.get("uploadType") != "media" or not name:
            return _error(400, "invalid", "Upload requests must include an uploadType URL parameter and a name.")
        with self.lock:
            objects = self.buckets[bucket]
            if req.args.get("ifGenerationMatch") == "0" and name in objects:
                return _error(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.")
            self._generation += 1
            obj = objects[name] = StoredObject(data, req.headers.get("Content-Type", "application/octet-stream"),
                                               self._generation)
            delay = self.lose_next.pop(0) if self.lose_next else 0.0
        if delay:
            time.sleep(delay)
        return Response(json.dumps(self._meta(bucket, name, obj)), status=200, content_type="application/json")

    def _get(self, bucket: str, name: str, req: Request) -> Response:
        if bucket not in self.buckets:
            return _error(404, "notFound", "The specified bucket does not exist.")
        with self.lock:
            obj = self.buckets[bucket].get(name)
        if obj is None:
            return _error(404, "notFound", f"No such object: {bucket}/{name}")
        if req.args.get("alt") == "media":
            return Response(obj.data, status=200, content_type=obj.content_type)
        return Response(json.dumps(self._meta(bucket, name, obj)), status=200, content_type="application/json")

    def _delete(self, bucket: str, name: str) -> Response:
        with self.lock:
            objects = self.buckets.get(bucket)
            if objects is None or name not in objects:
                return _error(404, "notFound", f"No such object: {bucket}/{name}")
            del objects[name]
        return Response(status=204)
