"""The formatting filters every page uses, and record lookups in templates."""

from __future__ import annotations

from decimal import Decimal

from functions.store.workbook import Record
from functions.templating import environment, money


def test_money_reads_as_users_read_it():
    assert money(Decimal(12500), "XOF") == "12\u00a0500\u00a0FCFA"
    assert money(Decimal("1234.5"), "EUR") == "1\u00a0234,50\u00a0€"
    assert money(Decimal(-300), "XOF") == "-300\u00a0FCFA"
    assert money(None, "XOF") == "0\u00a0FCFA"


def test_record_columns_win_over_record_fields_in_templates():
    entry = Record("journal", 7, {"tab": "Caisse", "row": "K1", "action": "vente"})
    out = environment().from_string("{{ e.tab }}/{{ e.row }}/{{ e.action }}").render(e=entry)
    assert out == "Caisse/K1/vente"
