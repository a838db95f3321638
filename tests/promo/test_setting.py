"""The applied promo code is saved in Paramètres with its Journal row, in one write."""

from __future__ import annotations

from functions.promo.setting import save_promo_code, set_setting
from functions.store.backend import ReplaceTab


def settings_grid(biz):
    return biz.workbook.backend.read(["Paramètres"])["Paramètres"]


def test_saves_the_code_and_journals_it(biz):
    writes_before = biz.workbook.backend.requests.get("write", 0) if hasattr(biz.workbook.backend, "requests") else 0
    assert save_promo_code(biz, "BIENVENUE", "Awa") is True
    book = biz.load(["settings", "journal"])
    assert book.settings["promo_code"] == "BIENVENUE"
    assert book.settings["business_name"] == "Chez Awa"  # the other settings are untouched
    row = book.all_rows("journal")[-1]
    assert (row["actor"], row["action"], row["tab"]) == ("Awa", "paramètre", "Paramètres")
    assert row["changes"] == "Code promo appliqué : ∅ → BIENVENUE"
    assert biz.verify_journal().ok
    if hasattr(biz.workbook.backend, "requests"):
        assert biz.workbook.backend.requests.get("write", 0) == writes_before + 1


def test_same_value_writes_nothing(biz):
    save_promo_code(biz, "BIENVENUE", "Awa")
    count = len(biz.load(["journal"]).all_rows("journal"))
    assert save_promo_code(biz, "BIENVENUE", "Awa") is False
    assert len(biz.load(["journal"]).all_rows("journal")) == count


def test_a_deleted_row_is_appended_back(biz):
    grid = settings_grid(biz)
    kept = tuple(tuple(r) for r in grid[1:] if r and r[0] != "Code promo appliqué")
    biz.workbook.backend.write([ReplaceTab("Paramètres", kept)])
    assert save_promo_code(biz, "AWA-2026", "Awa") is True
    assert biz.load(["settings"]).settings["promo_code"] == "AWA-2026"
    assert ["Code promo appliqué", "AWA-2026"] in [list(r) for r in settings_grid(biz)]


def test_a_code_starting_with_a_dash_stays_text(biz):
    save_promo_code(biz, "-1234", "Awa")
    assert ["Code promo appliqué", "-1234"] in [list(r) for r in settings_grid(biz)]
    assert biz.load(["settings"]).settings["promo_code"] == "-1234"


def test_unknown_setting_is_refused(biz):
    import pytest

    from functions.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        set_setting(biz, "nope", "x", "Awa")
