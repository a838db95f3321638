"""Issue 12: one identity per user in the Journal (user id kept, display name shown) so filters find every entry.

The same admin used to appear as « Afi Lawson » (app) and under her Google display name (sheet edits), so
filtering the Journal by user missed her entries. Every Journal row now keeps the account's id in the hidden
« ID utilisateur » column (chained with the row); a sheet edit is journaled under the Équipe member whose
email is the Google editor's; the filter goes by person, older rows (a name only) included.
"""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from functions.accounts import team
from functions.accounts.identity import Actor, Team, of_user
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.gsheets_drive import Editor
from functions.store.schema import Schema, load_schema
from functions.store.workbook import Workbook
from tests.web.test_office_caisse import make_office, post

AFI = {"id": "UAFI00001", "name": "Afi Lawson", "role": "admin", "email": "afi@lepalmier.tg", "phone": "",
       "active": True, "created_at": "2026-03-01 08:00:00"}


def old_schema() -> Schema:
    """The sheet contract before the Journal had « ID utilisateur » (an older workbook)."""
    schema = load_schema()
    tabs = tuple(dataclasses.replace(t, columns=tuple(c for c in t.columns if c.key != "user_id"))
                 if t.key == "journal" else t for t in schema.tabs)
    return Schema(tabs)


@pytest.fixture(params=["memory", "xlsx", "gsheets"])
def shop(request, tmp_path, clock):
    module = importlib.import_module(f"tests.store.factory_{request.param}")
    with module.make(tmp_path) as (backend, person):
        state = MemoryStateStore()
        editor = {"who": Editor("Afi (compte Google)", "AFI@lepalmier.tg")}
        old = Business(Workbook(backend, old_schema()), state, clock=clock, editor=lambda: editor["who"])
        old.init({"business_name": "Le Palmier", "currency": "XOF"})
        old.add("clients", {"name": "Kofi"}, "Afi Lawson")  # written before the column existed: a name only
        biz = Business(Workbook(backend), state, clock=clock, editor=lambda: editor["who"])
        report = biz.init()
        yield {"biz": biz, "person": person, "kind": request.param, "editor": editor, "report": report}


def journal(biz):
    return biz.load(["journal"]).all_rows("journal")


def test_ttr_init_adds_the_hidden_user_id_column_and_older_rows_still_verify(shop):
    assert ("Journal", "ID utilisateur") in shop["report"].added_columns
    header = shop["person"].grid("Journal")[0]
    assert header[-1] == "ID utilisateur" and header.index("Empreinte") == 7  # at the right: positions kept
    if shop["kind"] == "xlsx":
        import openpyxl
        from openpyxl.utils import get_column_letter

        ws = openpyxl.load_workbook(shop["biz"].workbook.backend.path)["Journal"]
        assert ws.column_dimensions[get_column_letter(len(header))].hidden
    if shop["kind"] == "gsheets":
        sheet = shop["person"].ss.by_title("Journal")
        assert sheet.col_props[len(header) - 1]["hiddenByUser"] is True
    assert shop["biz"].verify_journal().ok


def test_an_app_action_keeps_the_account_id_and_shows_the_name(shop):
    biz = shop["biz"]
    team.mirror_user(biz, AFI, of_user(AFI))
    biz.add("clients", {"name": "Ama"}, of_user(AFI))
    last = journal(biz)[-1]
    assert (last["actor"], last["user_id"]) == ("Afi Lawson", "UAFI00001")
    assert last["changes"].startswith("Nom : Ama ;") and "Créé par : Afi Lawson" in last["changes"]
    assert biz.verify_journal().ok


def test_a_sheet_edit_is_journaled_under_the_equipe_member_with_the_editors_email(shop):
    biz, person = shop["biz"], shop["person"]
    team.mirror_user(biz, AFI, of_user(AFI))
    biz.sync()  # the baseline
    kofi = next(r for r in biz.load(["clients"]).all_rows("clients") if r["name"] == "Kofi")
    person.set_cell("Clients", kofi.row, "Notes", "Client fidèle")
    biz.sync()
    edit = next(j for j in reversed(journal(biz)) if j["source"] == "feuille")
    assert (edit["actor"], edit["user_id"]) == ("Afi Lawson", "UAFI00001")  # not « Afi (compte Google) »
    assert biz.verify_journal().ok

    shop["editor"]["who"] = Editor("Yao (compte Google)", "yao@gmail.com")  # no member has that email
    person.set_cell("Clients", kofi.row, "Notes", "Client très fidèle")
    biz.sync()
    edit = next(j for j in reversed(journal(biz)) if j["source"] == "feuille")
    assert (edit["actor"], edit["user_id"]) == ("Yao (compte Google)", "")


def test_the_user_id_is_chained_with_the_row(shop):
    biz, person = shop["biz"], shop["person"]
    biz.add("clients", {"name": "Ama"}, of_user(AFI))
    n = len(journal(biz)) + 1  # its sheet row
    assert person.grid("Journal")[n - 1][-1] == "UAFI00001"
    person.set_cell("Journal", n, "ID utilisateur", "UKOFI0001")  # credited to someone else
    verdict = biz.verify_journal()
    assert not verdict.ok and verdict.first_bad_row == n


def test_the_journal_filter_finds_every_entry_of_a_user(biz, clock):
    office = make_office(biz, clock)
    awa = office.admin  # « Awa Mensah », admin of the shell
    biz.editor = lambda: Editor("Awa M. (Gmail)", "awa@example.tg")
    team.mirror_user(biz, {**awa, "role": "admin", "active": True}, of_user(awa))
    biz.add("clients", {"name": "Kofi"}, "Awa Mensah")  # an older row: her name only, no id
    admin = office.login_admin()
    assert post(admin, "/caisse", "/caisse/depense", amount="1 500", category="Transport", description="Taxi",
                method="Espèces").status_code == 303  # from the app: her name and her id
    biz.sync()
    kofi = biz.load(["clients"]).all_rows("clients")[-1]
    row = biz.workbook.backend.grid("Clients")[kofi.row - 1]
    row += [None] * (6 - len(row))
    row[5] = "Préfère le matin"  # her edit in the sheet (« Notes »)
    biz.sync()
    rows = journal(biz)
    assert {r["user_id"] for r in rows if r["action"] in ("dépense", "modification")} == {awa["id"]}
    assert any(r["actor"] == "Awa Mensah" and not r["user_id"] for r in rows)

    html = admin.get("/journal").get_data(as_text=True)
    assert html.count(">Awa Mensah</option>") == 1 and "Gmail" not in html  # one person in the list
    page = admin.get(f"/journal?acteur=u:{awa['id']}").get_data(as_text=True)
    entries = page[page.index('<ol class="chg"'):]
    assert "<b>ajout</b>" in entries and "<b>dépense</b>" in entries and "<b>modification</b>" in entries
    older_link = admin.get("/journal?acteur=Awa+Mensah").get_data(as_text=True)  # a link from before: her too
    assert older_link[older_link.index('<ol class="chg"'):] == entries


def test_identity_rules():
    members = Team([{"id": "U1", "name": "Afi Lawson", "email": "afi@x.tg"}, {"id": "U2", "name": "Yao", "email": ""},
                    {"id": "U3", "name": "Yao", "email": "yao@x.tg"}])
    assert members.editor(Editor("Afi G.", "AFI@x.tg ")) == "Afi Lawson" and members.editor("afi@x.tg").user_id == "U1"
    assert members.editor("Afi Lawson").user_id is None  # a display name alone names no account
    assert members.identity("U1", "Afi L.") == ("u:U1", "Afi Lawson")
    assert members.identity(None, "Afi Lawson") == ("u:U1", "Afi Lawson")  # an older row, by her unique name
    assert members.identity(None, "Yao")[0] == "n:yao"  # two members named Yao: the name decides nothing
    assert members.key_of("u:U3") == "u:U3" and members.key_of("afi@x.tg") == "u:U1"
    a = Actor("Afi Lawson", "U1")
    import copy
    import pickle

    assert copy.deepcopy(a).user_id == pickle.loads(pickle.dumps(a)).user_id == "U1" and a == "Afi Lawson"


def test_on_google_the_drive_editors_email_names_the_equipe_member(tmp_path, clock):
    """The editor comes from Drive (display name and email of the newest revision by a person)."""
    from tests.store.factory_gsheets import SPREADSHEET_ID, make

    with make(tmp_path) as (backend, person):
        biz = Business(Workbook(backend), MemoryStateStore(), clock=clock)  # the backend's own last editor
        biz.init({"business_name": "Le Palmier", "currency": "XOF"})
        team.mirror_user(biz, AFI, of_user(AFI))
        biz.add("clients", {"name": "Kofi"}, of_user(AFI))
        biz.sync()
        person.api.spreadsheets[SPREADSHEET_ID].revisions = [{
            "id": "7", "modifiedTime": "2026-03-14T09:40:00.000Z",
            "lastModifyingUser": {"displayName": "Afi L. (Google)", "emailAddress": "afi@lepalmier.tg"}}]
        assert backend.last_editor() == "Afi L. (Google)" and backend.last_editor().email == "afi@lepalmier.tg"
        person.set_cell("Clients", 2, "Notes", "Vient le vendredi")
        biz.sync()
        edit = next(j for j in reversed(journal(biz)) if j["source"] == "feuille")
        assert (edit["actor"], edit["user_id"]) == ("Afi Lawson", "UAFI00001")


def test_account_and_settings_pages_journal_under_the_admins_id(shell):
    admin = shell.login_admin()
    r = admin.post("/parametres/permissions", data={"csrf": shell.csrf(admin, "/parametres"), "caisse": "Oui",
                                                     "games": "Oui"})
    assert r.status_code == 303
    last = journal(shell.biz)[-1]
    assert (last["actor"], last["user_id"]) == ("Awa Mensah", shell.admin["id"])
    assert shell.biz.verify_journal().ok
