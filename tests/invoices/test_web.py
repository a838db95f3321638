"""The app's invoice actions: the prestation page's « Facture proforma » and « Confirmer en facture », the
admin's avoir, the identifiers on the Paramètres page; and ``ttr facture``."""

from __future__ import annotations

import html

import pytest
from click.testing import CliRunner

from functions.invoices import store
from functions.web.app import create_app
from tests.accounts.conftest import cheap_argon2  # noqa: F401 - autouse here too
from tests.invoices.conftest import BASE
from tests.web.conftest import SECRET, Shell, csrf_of


def shell_of(biz, clock):
    shell = Shell(biz, clock)
    shell.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET, "TTR_PUBLIC_URL": BASE})  # every module
    shell.app.testing = True
    return shell


def test_proforma_then_invoice_from_the_prestation_page(ishop, clock):
    shell = shell_of(ishop["biz"], clock)
    web = shell.login_employee()
    path = f"/prestations/{ishop['prestation']}"
    page = web.get(path).get_data(as_text=True)
    assert "Facture proforma" in page and "Confirmer en facture" in page
    assert "Annuler la facture" not in page  # an employee does not cancel invoices
    r = web.post(f"/factures/{ishop['prestation']}/proforma", data={"csrf": csrf_of(page)})
    assert r.status_code == 303 and r.location.startswith("/f/")
    pf = store.find(ishop["biz"].state, r.location.rsplit("/", 1)[-1])
    assert pf.kind == "proforma" and pf.number == "PF-2026-0001"
    assert "PF-2026-0001" in html.unescape(web.get(r.location).get_data(as_text=True))
    r = web.post(f"/factures/{ishop['prestation']}/facture", data={"csrf": csrf_of(page)})
    invoice = store.find(ishop["biz"].state, r.location.rsplit("/", 1)[-1])
    assert invoice.number == "F-2026-00001" and invoice.content["proforma"] == "PF-2026-0001"
    page = html.unescape(web.get(path).get_data(as_text=True))
    assert "Facture F-2026-00001" in page and "confirmée par la facture F-2026-00001" in page
    assert "Confirmer en facture" not in page  # invoiced: the page links its invoice instead
    r = web.post(f"/factures/document/{invoice.id}/annuler", data={"csrf": csrf_of(page)})
    assert r.status_code == 403  # admin only
    assert store.find(ishop["biz"].state, invoice.id).next_kind == ""


def test_an_admin_cancels_and_types_the_identifiers(ishop, clock):
    shell = shell_of(ishop["biz"], clock)
    web = shell.login_admin()
    token = csrf_of(web.get("/parametres").get_data(as_text=True))
    r = web.post("/factures/parametres", data={"csrf": token, "tax_id": " CI 1234567 X ", "rccm": "CI-ABJ-2026-B-1",
                                               "legal_mention": "SARL", "fne_number": "", "proforma_days": "15"})
    assert r.status_code == 303
    s = ishop["biz"].load(["settings"]).settings
    assert (s["tax_id"], s["rccm"], s["proforma_days"]) == ("CI 1234567 X", "CI-ABJ-2026-B-1", "15")
    page = web.get("/parametres").get_data(as_text=True)
    assert 'value="CI-ABJ-2026-B-1"' in page
    web.post("/factures/parametres", data={"csrf": token, "proforma_days": "900"})
    assert ishop["biz"].load(["settings"]).settings["proforma_days"] == "15"  # refused, in French
    r = web.post(f"/factures/{ishop['prestation']}/facture", data={"csrf": token})
    invoice_id = r.location.rsplit("/", 1)[-1]
    r = web.post(f"/factures/document/{invoice_id}/annuler", data={"csrf": token, "reason": "Doublon"})
    avoir = store.find(ishop["biz"].state, r.location.rsplit("/", 1)[-1])
    assert avoir.number == "AV-2026-00001" and avoir.content["reason"] == "Doublon"
    pf = web.post(f"/factures/{ishop['prestation']}/proforma", data={"csrf": token}).location
    assert "valable jusqu'au 29/03/2026" in html.unescape(web.get(pf).get_data(as_text=True))  # 15 days


def test_ttr_facture(ishop, tmp_path, monkeypatch):
    from functions.cli import main
    from functions.store.xlsx import XlsxBackend

    if not isinstance(ishop["biz"].workbook.backend, XlsxBackend):
        pytest.skip("the command opens the files named by the settings: the .xlsx variant runs it")
    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "ttr.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "s.sqlite"))
    runner = CliRunner()
    out = runner.invoke(main, ["facture", ishop["prestation"], "--proforma"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("Facture proforma PF-2026-0001 : https://factures.example.test/f/")
    out = runner.invoke(main, ["facture", ishop["prestation"]])
    assert out.output.startswith("Facture F-2026-00001 : ")
    out = runner.invoke(main, ["facture", "Erreur", "--annuler", "F-2026-00001"])
    assert out.output.startswith("Facture d'avoir AV-2026-00001 : "), out.output
    out = runner.invoke(main, ["facture", "INCONNU"])
    assert out.exit_code != 0 and "Aucune prestation ni vente" in out.output
