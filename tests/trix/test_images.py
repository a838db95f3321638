"""Product images end to end: the images API (fake), the file beside the workbook, the Image link, the Journal."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.workbook import Workbook
from functions.trix.images import ImageStorageError, generate, image_store
from tests.fakes.openai_server import Turn
from tests.trix.conftest import CANARY, env_of

USER = {"id": "u1", "name": "Awa"}


def test_image_flow_through_the_route(shop, fake, settings, make_app):
    env = env_of(settings, TTR_PUBLIC_URL="https://boutique.example")
    client = make_app(shop, env, USER).test_client()
    soap = shop.ids["soap"]
    journal_before = len(shop.load(["journal"]).all_rows("journal"))
    res = client.post(f"/trix/image/{soap}")
    assert res.status_code == 200, res.get_data(as_text=True)
    out = res.get_json()
    name = out["fichier"]
    assert out["image"] == f"https://boutique.example/trix/images/{name}" and name.startswith(f"{soap}-")
    stored = Path(settings.image_dir) / name
    assert stored.read_bytes() == fake.image_bytes
    book = shop.load(["stock", "journal"])
    assert book.find("stock", soap)["image"] == out["image"]
    journal = book.all_rows("journal")
    assert len(journal) == journal_before + 1
    assert journal[-1]["action"] == "image" and out["image"] in journal[-1]["changes"]
    request = [r for r in fake.requests if r.path.endswith("/images/generations")][0].body
    assert request["model"] == "fake-image" and "Savon" in request["prompt"] and request["response_format"] == "b64_json"
    served = client.get(f"/trix/images/{name}")
    assert served.status_code == 200 and served.data == fake.image_bytes and served.mimetype == "image/png"
    assert client.get("/trix/images/..%2Fsecret.png").status_code == 404
    assert client.get(f"/trix/images/{soap}-000000000000.png").status_code == 404


def test_failures_change_nothing(shop, fake, settings, make_app):
    client = make_app(shop, env_of(settings), USER).test_client()
    before = shop.load(["stock", "journal"])
    res = client.post("/trix/image/inconnu")
    assert res.status_code == 404 and "aucun" in res.get_json()["erreur"]
    fake.script_images(Turn(status=500))
    res = client.post(f"/trix/image/{shop.ids['water']}")
    assert res.status_code == 503 and "5xx" in res.get_json()["erreur"] and CANARY not in res.get_data(as_text=True)
    fake.script_images(Turn(content="ceci n'est pas une image"))
    res = client.post(f"/trix/image/{shop.ids['water']}")
    assert res.status_code == 502 and "PNG" in res.get_json()["erreur"]
    after = shop.load(["stock", "journal"])
    assert [r.values for r in after.rows("stock")] == [r.values for r in before.rows("stock")]
    assert len(after.all_rows("journal")) == len(before.all_rows("journal"))
    assert not Path(settings.image_dir).exists() or not any(Path(settings.image_dir).iterdir())
    assert len([r for r in fake.requests if r.path.endswith("/images/generations")]) == 2  # not for the unknown id


def test_a_failed_write_leaves_no_orphan_file(shop, fake, settings):
    shop.workbook.backend.fail_next_write = RuntimeError("disque plein")
    with pytest.raises(RuntimeError):
        generate(shop, shop.ids["soap"], settings, actor="Awa", public_url="http://x")
    assert not any(Path(settings.image_dir).iterdir())


def test_images_live_beside_an_xlsx_workbook(tmp_path, clock, fake, settings):
    from functions.store.xlsx import XlsxBackend

    biz = Business(Workbook(XlsxBackend(tmp_path / "boutique.xlsx")), MemoryStateStore(), clock=clock)
    biz.init({"business_name": "Boutique", "currency": "XOF"})
    article = biz.add("stock", {"article": "Panier tressé", "for_sale": "Oui", "sale_price": 3000}, "Awa")["id"]
    out = generate(biz, article, replace(settings, image_dir="", image_model="gpt-image-1"), actor="Awa",
                   public_url="http://127.0.0.1:8080")
    assert (tmp_path / "boutique-images" / out["fichier"]).read_bytes() == fake.image_bytes
    assert biz.load(["stock"]).find("stock", article)["image"] == out["image"]
    request = [r for r in fake.requests if r.path.endswith("/images/generations")][0].body
    assert "response_format" not in request  # gpt-image models refuse it and answer b64_json anyway


def test_google_workbook_without_folder_says_what_to_do(shop, settings):
    class Sheet:
        spreadsheet_id = "1abc"

    biz = Business(Workbook(Sheet()), MemoryStateStore())  # type: ignore[arg-type]
    with pytest.raises(ImageStorageError) as info:
        image_store(biz, replace(settings, image_dir=""))
    assert "TRIX_IMAGE_DIR" in info.value.message and "Google Drive" in info.value.message
