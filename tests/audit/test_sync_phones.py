"""A phone typed in the sheet the way people write it is stored in the one international form at the sync."""

from __future__ import annotations

from functions.store.backend import AppendRows


def test_a_phone_typed_in_the_sheet_is_stored_international_and_journaled(biz):
    biz.workbook.backend.write([AppendRows("Clients", ({"Nom": "Ama Kossi", "Téléphone": "90 11 22 33"},
                                                       {"Nom": "Yao", "Téléphone": "pas de téléphone"}))])
    biz.sync()
    clients = {c["name"]: c for c in biz.load(["clients"]).rows("clients")}
    assert clients["Ama Kossi"]["phone"] == "+22890112233"
    assert clients["Yao"]["phone"] == "pas de téléphone"  # not a number: left as typed
    notes = [j for j in biz.load(["journal"]).all_rows("journal") if j["action"] == "téléphone"]
    assert len(notes) == 1 and "90 11 22 33 → +22890112233" in notes[0]["changes"]
    assert biz.sync().writes == 0  # once stored, nothing more to do
