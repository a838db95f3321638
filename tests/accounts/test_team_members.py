"""Issue 12: « Équipe lists every user who acted ». An account whose mirroring to Équipe failed (or was made
before it existed) is listed at ``ttr init``: one write for all those missing, none when Équipe is complete."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from functions.accounts import team, users
from functions.accounts.identity import of_user
from functions.accounts.workspaces import DEFAULT
from functions.cli import main
from functions.config import Config, open_business


def moment(biz):
    return users.Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))


def test_every_member_of_the_workspace_is_listed_in_one_write(biz):
    kodjo = users.create(biz.state, name="Kodjo Amegah", phone="+22890000001", password="motdepasse-kodjo",
                         when=moment(biz), workspace=DEFAULT, role="employee")  # never mirrored
    afi = users.create(biz.state, name="Afi Lawson", email="afi@lepalmier.tg", password="motdepasse-afi",
                       when=moment(biz), workspace=DEFAULT, role="admin")
    biz.add("clients", {"name": "Kofi"}, of_user(kodjo))  # he acted: the Journal names him
    writes = biz.workbook.backend.requests["write"]
    assert team.mirror_members(biz, DEFAULT) == 2
    assert biz.workbook.backend.requests["write"] == writes + 1
    listed = {r.id: (r["name"], r["role"]) for r in biz.load(["team"]).all_rows("team")}
    assert listed == {kodjo["id"]: ("Kodjo Amegah", "Employé"), afi["id"]: ("Afi Lawson", "Administrateur")}
    acted = {j["user_id"] for j in biz.load(["journal"]).all_rows("journal") if j["user_id"]}
    assert acted <= set(listed)
    assert team.mirror_members(biz, DEFAULT) == 0 and biz.workbook.backend.requests["write"] == writes + 1
    assert biz.verify_journal().ok


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("TTR_WORKBOOK", str(tmp_path / "shop.xlsx"))
    monkeypatch.setenv("TTR_STATE", str(tmp_path / "shop.state.sqlite"))
    return CliRunner()


def test_ttr_init_lists_an_account_missing_from_equipe(runner):
    assert runner.invoke(main, ["init", "--name", "Boutique Awa"]).exit_code == 0
    biz = open_business(Config.from_env())
    kodjo = users.create(biz.state, name="Kodjo Amegah", phone="+22890000001", password="motdepasse-kodjo",
                         when=moment(biz), workspace=DEFAULT, role="employee")
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0 and "Équipe : 1 compte(s) ajouté(s)" in result.output, result.output
    assert [r.id for r in open_business(Config.from_env()).load(["team"]).all_rows("team")] == [kodjo["id"]]
    again = runner.invoke(main, ["init"])
    assert "Équipe" not in again.output and "rien à changer" in again.output
