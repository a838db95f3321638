"""Issue 13, Also: the three Caisse forms of one page load each carry their own idempotency key, so the
second form sent from the same page is recorded (it got 409 when the three shared one key)."""

from __future__ import annotations

from tests.web.test_office_caisse import caisse_rows, form_of, make_office


def test_each_caisse_form_has_its_own_key_and_all_three_land(biz, clock):
    office = make_office(biz, clock)
    admin = office.login_admin()
    client_id = biz.add("clients", {"name": "Kossi"}, "Awa")["id"]
    biz.record_payment("5000", "Awa", client_id=client_id)
    html = admin.get("/caisse").get_data(as_text=True)
    forms = {action: form_of(html, action) for action in ("/caisse/depense", "/caisse/revenu", "/caisse/remboursement")}
    keys = [f["cle"] for f in forms.values()]
    assert len(set(keys)) == 3, keys
    before = len(caisse_rows(biz))
    r1 = admin.post("/caisse/depense", data={**forms["/caisse/depense"], "amount": "1000", "category": "Transport"})
    r2 = admin.post("/caisse/revenu", data={**forms["/caisse/revenu"], "amount": "2000", "description": "Pourboire"})
    r3 = admin.post("/caisse/remboursement", data={**forms["/caisse/remboursement"], "amount": "500",
                                                    "target": f"c:{client_id}", "reason": "Trop perçu"})
    assert [r.status_code for r in (r1, r2, r3)] == [303, 303, 303]
    rows = caisse_rows(biz)[before:]
    assert sorted(r["type"] for r in rows) == ["Dépense", "Remboursement", "Revenu"]
    again = admin.post("/caisse/revenu", data={**forms["/caisse/revenu"], "amount": "2000", "description": "Pourboire"})
    assert again.status_code == 303 and len(caisse_rows(biz)) == before + 3  # a double tap is still one entry
