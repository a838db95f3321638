"""Product images in a private Cloud Storage bucket: upload (create-only), the link, streaming, failures.

The bucket is the local fake of the JSON API (``tests/fakes/gcs.py``) over real HTTP; the session is the
production httpx client (``functions.http``) with ``GoogleAuth`` over credentials holding a fixed token, so the
bearer header is the real code's doing.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
from google.oauth2.credentials import Credentials

from functions import http
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.workbook import Workbook
from functions.trix import storage
from functions.trix.images import generate, image_store
from functions.trix.storage import CloudStorage, ImageStorageError, LocalFolder
from tests.fakes.gcs import TOKEN, FakeGCS
from tests.trix.conftest import env_of

BUCKET = "demo-ttr-images"
USER = {"id": "u1", "name": "Awa"}


@pytest.fixture
def gcs():
    server = FakeGCS((BUCKET,)).start()
    yield server
    server.stop()


@pytest.fixture
def session():
    with http.client(auth=http.GoogleAuth(Credentials(token=TOKEN))) as s:
        yield s


def cloud(gcs, session, bucket: str = BUCKET, **kwargs) -> CloudStorage:
    kwargs.setdefault("sleep", lambda s: None)
    return CloudStorage(bucket, session=session, base_url=gcs.url, **kwargs)


def state(biz: Business) -> tuple[list[dict], int]:
    book = biz.load(["stock", "journal"])
    return [dict(r.values) for r in book.rows("stock")], len(book.all_rows("journal"))


def test_the_route_uploads_to_the_bucket_and_serves_the_private_object(shop, fake, settings, make_app, gcs, session):
    env = env_of(settings, TTR_PUBLIC_URL="https://boutique.example", TRIX_IMAGE_BUCKET=BUCKET,
                 TRIX_STORAGE_URL=gcs.url)
    client = make_app(shop, env, USER, TRIX_STORAGE_SESSION=session).test_client()
    soap = shop.ids["soap"]
    res = client.post(f"/trix/image/{soap}")
    assert res.status_code == 200, res.get_data(as_text=True)
    name = res.get_json()["fichier"]
    link = f"https://boutique.example/trix/images/{name}"  # the app's own route: the bucket stays private
    assert res.get_json()["image"] == link and shop.load(["stock"]).find("stock", soap)["image"] == link
    stored = gcs.objects(BUCKET)
    assert list(stored) == [name]
    assert stored[name].data == fake.image_bytes and stored[name].content_type == "image/png"
    upload = gcs.seen("POST")[0]
    assert upload.args == {"uploadType": "media", "name": name, "ifGenerationMatch": "0"}
    assert upload.path == f"/upload/storage/v1/b/{BUCKET}/o" and upload.authorization == f"Bearer {TOKEN}"
    assert not Path(settings.image_dir).exists()  # the bucket wins over TRIX_IMAGE_DIR
    served = client.get(f"/trix/images/{name}")
    assert served.status_code == 200 and served.data == fake.image_bytes and served.mimetype == "image/png"
    assert "max-age" in served.headers["Cache-Control"]
    head = client.head(f"/trix/images/{name}")
    assert head.status_code == 200 and head.content_length == len(fake.image_bytes)
    get = gcs.seen("GET")[-1]
    assert get.args == {"alt": "media"} and get.path == f"/storage/v1/b/{BUCKET}/o/{name}"
    assert client.get(f"/trix/images/{soap}-000000000000.png").status_code == 404
    assert client.get("/trix/images/..%2Fsecret.png").status_code == 404


def test_a_google_sheet_workbook_uses_the_bucket_and_without_it_says_what_to_set(settings, gcs):
    class Sheet:
        spreadsheet_id = "1abc"

    biz = Business(Workbook(Sheet()), MemoryStateStore())  # type: ignore[arg-type]
    bare = replace(settings, image_dir="")
    store = image_store(biz, bare, {"TRIX_IMAGE_BUCKET": f"gs://{BUCKET}/", "TRIX_STORAGE_URL": gcs.url})
    assert isinstance(store, CloudStorage) and store.bucket == BUCKET and store.base == gcs.url
    assert image_store(biz, bare, {"TRIX_IMAGE_BUCKET": BUCKET}).base == "https://storage.googleapis.com"
    assert isinstance(image_store(biz, settings, {}), LocalFolder)  # TRIX_IMAGE_DIR without a bucket
    with pytest.raises(ImageStorageError) as info:
        image_store(biz, bare, {})
    assert "TRIX_IMAGE_BUCKET" in info.value.message and "TRIX_IMAGE_DIR" in info.value.message
    for bad in ("Mon Bucket", "a", "x" * 70, "bucket..name"):
        with pytest.raises(ImageStorageError, match="TRIX_IMAGE_BUCKET invalide"):
            image_store(biz, bare, {"TRIX_IMAGE_BUCKET": bad})


def test_transient_failures_are_retried_a_bounded_number_of_times(gcs, session):
    pauses: list[float] = []
    store = cloud(gcs, session, sleep=pauses.append)
    gcs.fail_next = [503, 429]
    store.save("a-0123456789ab.png", b"\x89PNG data", "image/png")
    assert gcs.objects(BUCKET)["a-0123456789ab.png"].data == b"\x89PNG data"
    assert len(gcs.seen("POST")) == 3 and pauses == [0.25, 0.5]
    gcs.fail_next = [500] * 10
    with pytest.raises(ImageStorageError) as info:
        store.save("b-0123456789ab.png", b"x", "image/png")
    assert "HTTP 500" in info.value.message and "4 essais" in info.value.message
    assert len(gcs.seen("POST")) == 3 + 4 and "b-0123456789ab.png" not in gcs.objects(BUCKET)


def test_a_lost_answer_is_resent_and_the_412_proves_the_first_upload_landed(gcs, session):
    store = cloud(gcs, session, timeout=(2.0, 0.3))
    gcs.lose_next = [1.0]
    data = b"\x89PNG once"
    store.save("c-0123456789ab.png", data, "image/png")
    posts = gcs.seen("POST")
    assert len(posts) == 2 and all(p.args["ifGenerationMatch"] == "0" for p in posts)
    checks = [r for r in gcs.seen("GET") if r.args == {"fields": "md5Hash"}]
    assert len(checks) == 1  # the 412 was checked against our MD5, not taken on trust
    assert gcs.objects(BUCKET)["c-0123456789ab.png"].data == data


def test_an_existing_object_with_other_content_is_never_overwritten(gcs, session):
    store = cloud(gcs, session)
    store.save("d-0123456789ab.png", b"first", "image/png")
    with pytest.raises(ImageStorageError, match="déjà le nom"):
        store.save("d-0123456789ab.png", b"second", "image/png")
    kept = gcs.objects(BUCKET)["d-0123456789ab.png"]
    assert kept.data == b"first" and kept.md5 == base64.b64encode(hashlib.md5(b"first").digest()).decode()


@pytest.mark.parametrize(("setup", "expected"), [
    ("forbidden", "roles/storage.objectAdmin"),
    ("no bucket", "TRIX_IMAGE_BUCKET"),
    ("anonymous", "roles/storage.objectAdmin"),
])
def test_refusals_are_not_retried_and_say_what_to_do(gcs, session, setup, expected):
    if setup == "forbidden":
        store = cloud(gcs, http.client(auth=http.GoogleAuth(Credentials(token="ya29.someone-else"))))
    elif setup == "no bucket":
        store = cloud(gcs, session, bucket="autre-bucket")
    else:
        store = cloud(gcs, http.client())  # no credentials at all: the fake answers 401
    with pytest.raises(ImageStorageError) as info:
        store.save("e-0123456789ab.png", b"x", "image/png")
    assert expected in info.value.message and info.value.status == 503
    assert len(gcs.seen("POST")) == 1 and gcs.objects(BUCKET) == {}


def test_a_failed_workbook_write_removes_the_uploaded_object(shop, fake, settings, gcs, session):
    before = state(shop)
    shop.workbook.backend.fail_next_write = RuntimeError("disque plein")
    with pytest.raises(RuntimeError):
        generate(shop, shop.ids["soap"], settings, actor="Awa", public_url="http://x",
                 env={"TRIX_IMAGE_BUCKET": BUCKET, "TRIX_STORAGE_URL": gcs.url}, storage_session=session)
    assert len(gcs.seen("POST")) == 1 and len(gcs.seen("DELETE")) == 1
    assert gcs.objects(BUCKET) == {} and state(shop) == before


def test_a_storage_outage_changes_nothing_and_the_route_says_so(shop, fake, settings, make_app, gcs, session,
                                                                monkeypatch):
    monkeypatch.setattr(CloudStorage, "_pause", staticmethod(lambda attempt, problem: 0.0))  # pauses: tested above
    env = env_of(settings, TRIX_IMAGE_BUCKET=BUCKET, TRIX_STORAGE_URL=gcs.url)
    client = make_app(shop, env, USER, TRIX_STORAGE_SESSION=session).test_client()
    before = state(shop)
    gcs.fail_next = [503] * 4
    res = client.post(f"/trix/image/{shop.ids['water']}")
    assert res.status_code == 503 and "Cloud Storage" in res.get_json()["erreur"]
    assert state(shop) == before and gcs.objects(BUCKET) == {}
    gcs.fail_next = [500] * 4
    res = client.get(f"/trix/images/{shop.ids['water']}-0123456789ab.png")
    assert res.status_code == 503 and "Cloud Storage" in res.get_json()["erreur"]


def test_missing_credentials_give_a_french_error(monkeypatch, gcs):
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    def nothing(**kwargs):
        raise DefaultCredentialsError("Could not automatically determine credentials.")

    monkeypatch.setattr(google.auth, "default", nothing)
    monkeypatch.setattr(storage, "_default", {})
    store = CloudStorage(BUCKET, base_url=gcs.url)
    with pytest.raises(ImageStorageError, match="gcloud auth application-default login"):
        store.save("f-0123456789ab.png", b"x", "image/png")
    assert gcs.requests == []
