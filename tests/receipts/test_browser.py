"""A receipt served locally, opened by headless Chromium at phone width: the screenshot's QR code
decodes to the receipt's own URL."""

from __future__ import annotations

import shutil
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

from functions.receipts import store
from functions.receipts.entry import create_app
from tests.receipts.conftest import link_of, rid_of

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--force-device-scale-factor=1"]


@pytest.fixture
def served(shop):
    app = create_app(lambda: shop["biz"], {})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["TTR_ENV"] = {"TTR_PUBLIC_URL": base}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join(5)


def screenshot(url: str, path, tmp_path, width: int = 360, height: int = 1800) -> None:
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
           f"--screenshot={path}", url]
    subprocess.run(cmd, capture_output=True, timeout=90, check=False)
    assert path.exists(), "Chromium n'a pas produit de capture"


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium absent")
def test_qr_code_in_a_phone_screenshot_opens_the_receipt(shop, served, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    rid = rid_of(link_of(shop["biz"], "prestations", shop["prestation"]))
    own = store.link(served, rid)
    shot = tmp_path / "recu-360.png"  # kept under pytest's tmp dir for a look
    screenshot(own, shot, tmp_path)
    image = Image.open(shot)
    assert image.size[0] == 360
    codes = [c.text for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert codes == [own]
    # the thermal-roll variant loads in the browser too
    dump = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'p2'}", "--window-size=360,1800",
                           "--virtual-time-budget=2000", "--run-all-compositor-stages-before-draw",
                           "--dump-dom", own + "?format=80mm"], capture_output=True, text=True, timeout=90)
    assert "Réservation" in dump.stdout and 'class="fmt-80mm"' in dump.stdout
