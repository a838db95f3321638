"""The Équipe mirror and the Paramètres updates land with their Journal rows, and no secret."""

from __future__ import annotations

import pytest

from functions.accounts import team
from functions.errors import ConflictError, InvalidInputError


def test_mirror_adds_then_updates_one_row_without_secrets(biz):
    user = {"id": "UKOFI0001", "name": "Kofi", "role": "employee", "email": "", "phone": "+22890112233",
            "active": True, "created_at": "2026-03-14 10:00:00", "password": "$argon2id$secret"}
    team.mirror_user(biz, user, "Awa")
    team.mirror_user(biz, {**user, "active": False}, "Awa")
    team.mirror_user(biz, {**user, "active": False}, "Awa")  # nothing changed: nothing written
    grid = biz.workbook.backend.grid("Équipe")
    assert grid[1][:6] == ["UKOFI0001", "Kofi", "Employé", None, "+22890112233", "Non"] and len(grid) == 2
    assert "argon2" not in repr(grid)
    journal = [(r["action"], r["changes"]) for r in biz.load(["journal"]).all_rows("journal")]
    assert journal[-1] == ("modification", "Actif : Oui → Non") and len(journal) == 2
    assert biz.verify_journal().ok


def test_settings_update_is_journaled_and_refuses_unknown_keys(biz):
    assert team.update_settings(biz, {"perm_games": "Oui", "business_name": "Chez Awa"}, "Awa") == {"changed": 1}
    assert biz.load(["settings"]).settings["perm_games"] == "Oui"
    rows = biz.load(["journal"]).all_rows("journal")
    assert rows[-1]["changes"] == "Employés : Jeux : Non → Oui" and biz.verify_journal().ok
    with pytest.raises(InvalidInputError):
        team.update_settings(biz, {"password": "x"}, "Awa")


def test_settings_update_never_overwrites_a_concurrent_edit(biz, monkeypatch):
    grid = biz.workbook.backend.grid("Paramètres")
    row = next(r for r in grid if r[0] == "Employés : Jeux")
    real_load = biz.load

    def load_then_someone_edits(keys=None):
        book = real_load(keys)
        row[1] = "Peut-être"  # typed in the sheet between the read and the write
        return book

    monkeypatch.setattr(biz, "load", load_then_someone_edits)
    with pytest.raises(ConflictError):
        team.update_settings(biz, {"perm_games": "Oui"}, "Awa")
    assert row[1] == "Peut-être"
