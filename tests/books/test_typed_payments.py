"""A Caisse row typed by hand in the sheet is checked as the app checks a payment: its Moyen against the
business's list (former values valid), its Référence against the same operator's — on every backend."""

from __future__ import annotations

from tests.audit.test_hand_edits import shop  # noqa: F401  - the fixture (memory, xlsx, gsheets)


def test_moyen_and_reference_typed_by_hand(shop):  # noqa: F811
    biz, person = shop
    biz.set_setting("country", "TG", "Awa")
    biz.revenue("1000", "Awa", "Apport", method="Flooz")
    first = next(r for r in biz.load().rows("caisse"))
    rows = [("Floz", ""), ("flooz", "TX-1"), ("Mobile Money", ""), ("Wave", "")]
    for method, ref in rows:
        person.append_row("Caisse", {"Date": "14/03/2026 08:00", "Type": "Revenu", "Montant": 500, "Moyen": method,
                                     "Référence": ref or None})
    report = biz.sync()
    reasons = [e.reason for e in report.quarantined]
    assert len(reasons) == 2
    assert "Moyen de paiement « Floz » inconnu" in reasons[0] and "Mixx by Yas, Flooz" in reasons[0]
    assert "« Wave » inconnu" in reasons[1]
    taken = {r["method"] for r in biz.load().rows("caisse") if r.id != first.id}
    assert taken == {"Flooz", "Mobile Money"}
    person.append_row("Caisse", {"Date": "14/03/2026 09:00", "Type": "Revenu", "Montant": 700, "Moyen": "Flooz",
                                 "Référence": "tx-1"})
    report = biz.sync()
    assert any("Référence « TX-1 » déjà enregistrée pour Flooz" in e.reason for e in report.quarantined)
