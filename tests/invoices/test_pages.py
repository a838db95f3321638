"""The documents' pages and PDFs: identifiers and the FNE mention, the proforma's validity, frozen content
after a later correction, the same 404 as receipts, and the rate limit of ``/f/``."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess

import pytest

from functions.invoices import issue, store
from tests.invoices.conftest import IDS

NOT_FNE = "Ce document n'est pas une facture normalisée (FNE)"


def text(page: str) -> str:
    """A page as a person reads it (entities decoded, every space one space)."""
    return " ".join(html.unescape(page).split())


def pdf_text(data: bytes, tmp_path) -> str:
    """The text of a PDF: poppler's pdftotext when the machine has it, else pypdf."""
    if shutil.which("pdftotext"):
        path = tmp_path / "f.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                             check=True).stdout
    else:
        pypdf = pytest.importorskip("pypdf", reason="pdftotext (poppler-utils) and pypdf absent")
        out = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return " ".join(out.split())


def test_a_proforma_page_shows_its_validity_and_the_identifiers(ishop, client):
    pf = issue.proforma(ishop["biz"], ishop["prestation"], "Awa")
    r = client.get(f"/f/{pf.id}")
    assert r.status_code == 200
    page = text(r.get_data(as_text=True))
    assert "Facture proforma — valable jusqu'au 13/04/2026" in page  # 14/03 + 30 days
    assert "PF-2026-0001" in page and "Chambre double" in page and "55 000" in page
    for value in ("NIF 1000123456", "TG-LFW-01-2026-B12-00042", "SARL au capital de 1 000 000 FCFA"):
        assert value in page
    assert NOT_FNE in page
    assert "wa.me/22890112233" in page and r.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_an_fne_number_replaces_the_mention(ishop, client):
    biz = ishop["biz"]
    invoice = issue.confirm(biz, ishop["prestation"], "Awa", fne="FNE-2026-778899")
    page = text(client.get(f"/f/{invoice.id}").get_data(as_text=True))
    assert "N° FNE : <b>FNE-2026-778899</b>" in page and NOT_FNE not in page
    biz.set_settings({"fne_number": "CI-FNE-0001"}, "Awa")
    other = issue.confirm(biz, ishop["sale"], "Awa")
    page = text(client.get(f"/f/{other.id}").get_data(as_text=True))
    assert "CI-FNE-0001" in page and NOT_FNE not in page


def test_an_invoice_stays_as_issued_after_a_correction(ishop, client):
    biz = ishop["biz"]
    invoice = issue.confirm(biz, ishop["prestation"], "Awa")
    before = text(client.get(f"/f/{invoice.id}").get_data(as_text=True))
    assert "F-2026-00001" in before and "55 000" in before and "Net à payer" in before and "35 000" in before
    line = next(r for r in biz.load(["lines"]).all_rows("lines") if r["article"] == "Petit-déjeuner")
    biz.update("lines", line.id, {"unit_price": "3000"}, "Awa")  # a later correction of the prestation
    biz.set_settings({"tax_id": "NIF 999"}, "Awa")
    biz.record_payment("10000", "Awa", prestation_id=ishop["prestation"], method="Espèces")
    after = text(client.get(f"/f/{invoice.id}").get_data(as_text=True))
    assert after == before  # the same document, byte for byte
    assert issue.confirm(biz, ishop["prestation"], "Awa").id == invoice.id  # still the row's invoice


def test_cancelled_invoice_page_names_its_avoir(ishop, client):
    biz = ishop["biz"]
    invoice = issue.confirm(biz, ishop["prestation"], "Awa")
    avoir = issue.cancel(biz, invoice.id, "Awa", "Client parti")
    page = text(client.get(f"/f/{invoice.id}").get_data(as_text=True))
    assert "Cette facture est annulée par la facture d'avoir" in page and "AV-2026-00001" in page
    credit = text(client.get(f"/f/{avoir.id}").get_data(as_text=True))
    assert "Facture d'avoir" in credit and "Annule la facture" in credit and "F-2026-00001" in credit


def test_unknown_altered_and_malformed_links_get_the_receipts_404(ishop, client):
    invoice = issue.confirm(ishop["biz"], ishop["prestation"], "Awa")
    expected = client.get("/r/" + "x" * 24)
    assert expected.status_code == 404
    doc = ishop["biz"].state.get(store.DOCS, invoice.id)
    doc["content"]["total"] = {"$d": "1"}
    ishop["biz"].state.put(store.DOCS, invoice.id, doc)
    for path in ("/f/" + "x" * 24, "/f/court", f"/f/{invoice.id}", f"/f/{invoice.id}.pdf"):
        r = client.get(path)
        assert (r.status_code, r.data) == (404, expected.data), path


def test_f_links_are_rate_limited(ishop, client):
    client.application.config["TTR_RECEIPT_RATE"] = (3, 60.0)
    pf = issue.proforma(ishop["biz"], ishop["prestation"], "Awa")
    assert [client.get(f"/f/{pf.id}").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(f"/f/{pf.id}").headers["Retry-After"]


def test_the_pdf_is_a4_with_identifiers_and_the_fne_mention(ishop, client, tmp_path):
    invoice = issue.confirm(ishop["biz"], ishop["prestation"], "Awa")
    r = client.get(f"/f/{invoice.id}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "F-2026-00001.pdf" in r.headers["Content-Disposition"]
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", r.data)
    assert boxes and all(abs(float(w) - 595.28) < 1 and abs(float(h) - 841.89) < 1 for w, h in boxes)
    text = pdf_text(r.data, tmp_path)
    for value in (IDS["tax_id"], IDS["rccm"], IDS["legal_mention"], "F-2026-00001", "NET À PAYER",
                  "Ce document n'est pas une facture normalisée (FNE)."):
        assert value in text, value
    pf = issue.proforma(ishop["biz"], ishop["sale"], "Awa")
    text = pdf_text(client.get(f"/f/{pf.id}?pdf=1").data, tmp_path)
    assert "Facture proforma — valable jusqu'au 13/04/2026" in text and "PF-2026-0001" in text


def test_remises_and_tva_appear_on_the_invoice_page_and_pdf(ishop, client, tmp_path):
    biz = ishop["biz"]
    biz.set_settings({"vat_enabled": "Oui", "vat_rate": "18"}, "Awa")
    from functions.books.commands import AddPrestation

    p = biz.submit(AddPrestation({"client_id": ishop["kofi"], "type": "Salle", "start": "20/03/2026"},
                                 ({"article": "Salle", "quantity": "1", "unit_price": "11800"},),
                                 discount={"value": "1180", "reason": "fidélité"}), "Awa")
    invoice = issue.confirm(biz, p["id"], "Awa")
    page = " ".join(re.sub(r"<[^>]+>", " ", text(client.get(f"/f/{invoice.id}").get_data(as_text=True))).split())
    assert "dont remise −1 180 FCFA" in page and "Remise (fidélité) −1 180 FCFA" in page
    assert "TVA 18 % : HT 9 000 FCFA · TVA 1 620 FCFA TTC 10 620 FCFA" in page  # 10 620 TTC = 9 000 HT + 18 %
    pdf = pdf_text(client.get(f"/f/{invoice.id}.pdf").data, tmp_path)
    assert "TVA 18 % : HT 9 000 FCFA" in pdf and "TTC 10 620 FCFA" in pdf and "dont remise" in pdf


def test_a_payment_of_an_invoice_gets_a_receipt_naming_it(ishop, client, tmp_path):
    biz = ishop["biz"]
    before = biz.load(["caisse"]).all_rows("caisse")
    invoice = issue.confirm(biz, ishop["prestation"], "Awa")
    pay = biz.record_payment("15000", "Awa", prestation_id=ishop["prestation"], method="Espèces")
    link = biz.load(["caisse"]).find("caisse", pay["caisse_id"])["receipt"]
    page = text(client.get("/r/" + link.rsplit("/", 1)[-1]).get_data(as_text=True))
    assert f'<dt>Facture</dt><dd id="facture">{invoice.number}</dd>' in page and "Reçu de paiement" in page
    assert f"Facture {invoice.number}" in pdf_text(client.get("/r/" + link.rsplit("/", 1)[-1] + ".pdf").data, tmp_path)
    first = next(r for r in before if r["prestation_id"] == ishop["prestation"])  # paid before the invoice
    old = text(client.get("/r/" + first["receipt"].rsplit("/", 1)[-1]).get_data(as_text=True))
    assert 'id="facture"' not in old
