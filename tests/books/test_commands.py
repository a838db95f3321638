"""Writes are commands: the fingerprint is the command's own, and one pipeline runs them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.books import commands as cmd
from functions.errors import ConflictError


def test_the_same_command_has_the_same_fingerprint_whatever_the_order_of_its_fields():
    a = cmd.AddRecord("clients", {"name": "Kofi", "phone": "+22890112233"})
    b = cmd.AddRecord("clients", {"phone": "+22890112233", "name": "Kofi"})
    assert a.fingerprint() == b.fingerprint()


@pytest.mark.parametrize("other", [
    cmd.AddRecord("clients", {"name": "Kofi", "phone": "+22890112234"}),
    cmd.AddRecord("types", {"name": "Kofi", "phone": "+22890112233"}),
    cmd.UpdateRecord("clients", "C1", {"name": "Kofi", "phone": "+22890112233"}),
])
def test_a_different_command_has_another_fingerprint(other):
    assert cmd.AddRecord("clients", {"name": "Kofi", "phone": "+22890112233"}).fingerprint() != other.fingerprint()


def test_commands_are_frozen():
    sale = cmd.QuickSale((("S1", 1),), "Espèces")
    with pytest.raises(AttributeError):
        sale.method = "Carte"  # type: ignore[misc]


def test_a_double_submit_of_a_room_type_adds_one(biz):
    first = biz.submit(cmd.AddRecord("types", {"name": "Chambre double", "price": "25.000"}), "Afi",
                       idempotency_key="type-double-0001")
    again = biz.submit(cmd.AddRecord("types", {"name": "Chambre double", "price": "25.000"}), "Afi",
                       idempotency_key="type-double-0001")
    assert again["replayed"] is True and again["id"] == first["id"]
    names = [r["name"] for r in biz.load(["types"]).rows("types")]
    assert names.count("Chambre double") == 1


def test_a_key_reused_for_another_command_is_refused(biz):
    biz.submit(cmd.Expense(Decimal(1000), "Transport"), "Afi", idempotency_key="depense-0001")
    with pytest.raises(ConflictError, match="autre opération"):
        biz.submit(cmd.Expense(Decimal(2000), "Transport"), "Afi", idempotency_key="depense-0001")
