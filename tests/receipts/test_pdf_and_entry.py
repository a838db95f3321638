"""The PDF download (page widths, content), the function entry point under functions-framework, and the
``ttr receipt`` command on a real .xlsx workbook and SQLite state."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from functions.receipts import store
from tests.receipts.conftest import BASE, link_of, rid_of

MM = 72 / 25.4


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)]


@pytest.mark.parametrize("fmt,width", [("a4", 210), ("80mm", 80), ("58mm", 58)])
def test_pdf_page_width(shop, client, fmt, width):
    link = link_of(shop["biz"], "prestations", shop["prestation"])
    r = client.get(f"/r/{rid_of(link)}.pdf?format={fmt}")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF-")
    assert "attachment" in r.headers["Content-Disposition"] and "R-2026-" in r.headers["Content-Disposition"]
    boxes = media_boxes(r.data)
    assert boxes and all(abs(w - width * MM) < 0.5 for w, _ in boxes)
    if fmt == "a4":
        assert all(abs(h - 297 * MM) < 0.5 for _, h in boxes)
    else:
        assert len(boxes) == 1 and 100 * MM < boxes[0][1] < 400 * MM  # one roll, as long as the receipt
    assert client.get(f"/r/{rid_of(link)}?pdf=1&format={fmt}").data[:5] == b"%PDF-"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_pdf_text_holds_the_receipt(shop, client, tmp_path):
    link = link_of(shop["biz"], "prestations", shop["prestation"])
    path = tmp_path / "r.pdf"
    path.write_bytes(client.get(f"/r/{rid_of(link)}.pdf?format=80mm").data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "Chez Awa" in flat and "RÉSERVATION" in flat and "Chambre double" in flat
    assert re.search(r"RESTE À PAYER 20\s000\sFCFA", flat) and link in flat.replace(" ", "")


def _local_business(tmp_path: Path, monkeypatch):
    from functions.config import open_business

    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "ttr.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "ttr.state.sqlite"))
    monkeypatch.setenv("TTR_PUBLIC_URL", BASE)
    biz = open_business()
    biz.init({"business_name": "Boutique Sika", "business_type": "Boutique", "currency": "XOF"})
    return biz


def test_entry_point_under_functions_framework(tmp_path, monkeypatch):
    import functions_framework

    biz = _local_business(tmp_path, monkeypatch)
    rid = biz.revenue("2500", "Sika", description="Retouche")["caisse_id"]
    from functions.receipts.hooks import link_for

    url = link_for(biz, rid, BASE)
    source = tmp_path / "fn_main.py"
    source.write_text("from functions.receipts.entry import receipt_http  # noqa: F401\n")
    import functions.receipts.entry as entry

    monkeypatch.setattr(entry, "_app", None)
    client = functions_framework.create_app("receipt_http", str(source)).test_client()
    r = client.get("/r/" + rid_of(url))
    assert r.status_code == 200 and "Boutique Sika" in r.data.decode() and "2\u00a0500\u00a0FCFA" in r.data.decode()
    assert r.headers["Cache-Control"] == "private, no-store"
    miss = client.get("/r/" + store.new_id())
    assert miss.status_code == 404 and client.get("/ailleurs").data == miss.data


def test_ttr_receipt_prints_and_writes_the_link(tmp_path, monkeypatch):
    from functions.receipts.cli import receipt

    biz = _local_business(tmp_path, monkeypatch)
    kofi = biz.add("clients", {"name": "Kofi"}, "Sika")["id"]
    rid = biz.revenue("2500", "Sika", description="Retouche")["caisse_id"]
    dep = biz.expense("100", "Transport", "Sika")["caisse_id"]
    runner = CliRunner()
    out = runner.invoke(receipt, [rid])
    assert out.exit_code == 0, out.output
    link = out.output.strip()
    assert re.match(re.escape(BASE) + r"/r/[A-Za-z0-9_-]{24}$", link)
    assert link_of(biz, "caisse", rid) == link  # written in the Reçu column of the .xlsx
    assert runner.invoke(receipt, [rid]).output.strip() == link
    renewed = runner.invoke(receipt, [rid, "--renouveler"]).output.strip()
    assert renewed != link and store.find(biz.state, rid_of(link)) is None
    statement = runner.invoke(receipt, [kofi])
    assert statement.exit_code == 0 and store.find(biz.state, rid_of(statement.output.strip())).kind == "statement"
    refused = runner.invoke(receipt, [dep])
    assert refused.exit_code == 1 and "dépenses n'ont pas de reçu" in refused.output
    missing = runner.invoke(receipt, ["KNOPE123"])
    assert missing.exit_code == 1 and "Aucune ligne" in missing.output


def test_entry_point_imports_no_heavy_module():
    import subprocess
    import sys

    probe = ("import sys; import functions.receipts.entry; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'openai', 'fpdf', 'openpyxl')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[2], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
