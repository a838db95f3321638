"""apps_script/onEdit.gs, run under Node with stand-ins for the Apps Script services and a simulated clock:
a burst of edits gives one call, with the token from the script properties; an edit during the call gives a
second call; without settings, no call."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.deploy.conftest import ROOT

SCRIPT = ROOT / "apps_script" / "onEdit.gs"

HARNESS = r"""
const fs = require('fs');
const [scenarioText, scriptPath] = process.argv.slice(-2);
const scenario = JSON.parse(scenarioText);
let now = 1000000;
const pending = scenario.edits.map((t) => now + t);  // edits typed by people, at these times
const users = (scenario.users || []).slice();  // who typed each edit ('' when Google does not say)
function event() { const who = users.shift(); return who ? {user: {getEmail: () => who}} : {}; }
const calls = [], warnings = [];
const cache = {}, props = scenario.props;
let locked = false;
global.Date = class extends Date { static now() { return now; } };
global.CacheService = {getScriptCache: () => ({get: (k) => cache[k] || null, put: (k, v) => { cache[k] = v; }})};
global.LockService = {getScriptLock: () => ({
  tryLock: () => { if (locked) return false; locked = true; return true; },
  releaseLock: () => { locked = false; }})};
global.PropertiesService = {getScriptProperties: () => ({getProperty: (k) => props[k] || null})};
global.console = {warn: (m) => warnings.push(m), log: () => {}};
global.SpreadsheetApp = {getActive: () => ({getId: () => 'id-de-la-feuille'})};
const code = fs.readFileSync(scriptPath, 'utf8');
eval(code + '\nglobal.ttrOnEdit = ttrOnEdit;');
function deliver(until) {  // the edits made meanwhile: each one runs its own trigger (which finds the lock)
  while (pending.length && pending[0] <= until) { now = Math.max(now, pending.shift()); ttrOnEdit(event()); }
}
function rotate() {  // the owner pastes a new token in the script properties at this time
  if (scenario.rotate && now >= 1000000 + scenario.rotate.at) props.TTR_SYNC_TOKEN = scenario.rotate.token;
}
global.Utilities = {sleep: (ms) => { const end = now + ms; deliver(end); now = end; rotate(); }};
const statuses = (scenario.statuses || []).slice();
global.UrlFetchApp = {fetch: (url, options) => {
  calls.push({at: now, url: url, token: options.headers['X-TTR-Token'], method: options.method,
              payload: JSON.parse(options.payload)});
  const end = now + scenario.callMs; deliver(end); now = end;
  const status = statuses.shift() || 200;
  return {getResponseCode: () => status, getContentText: () => '{}'};
}};
now = pending.shift(); ttrOnEdit(event());
deliver(Infinity);
process.stderr.write(JSON.stringify({calls: calls, warnings: warnings, start: 1000000}) + '\n');
"""

PROPS = {"TTR_SYNC_URL": "https://ttr-sync-http-abc.a.run.app", "TTR_SYNC_TOKEN": "jeton-de-la-feuille"}


def run(edits: list[int], props: dict[str, str], call_ms: int = 800, harness: str = HARNESS, **more) -> dict:
    if shutil.which("node") is None:
        pytest.skip("node n'est pas installé : le script Apps Script n'est pas exécuté")
    scenario = json.dumps({"edits": edits, "props": dict(props), "callMs": call_ms, **more})
    done = subprocess.run(["node", "-e", harness, "--", scenario, str(SCRIPT)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_a_burst_of_edits_makes_one_call_after_a_quiet_moment():
    edits = [0, 400, 900, 1500, 2100, 2600]
    result = run(edits, PROPS)
    assert len(result["calls"]) == 1
    call = result["calls"][0]
    assert call["url"] == PROPS["TTR_SYNC_URL"] and call["token"] == "jeton-de-la-feuille" and call["method"] == "post"
    assert call["at"] - (result["start"] + edits[-1]) >= 3000  # three seconds of calm after the last edit
    assert call["at"] - (result["start"] + edits[-1]) < 5000   # …and not much more: within seconds


def test_an_edit_during_the_call_makes_a_second_call():
    result = run([0, 3300], PROPS, call_ms=800)  # the first call runs from ~3000 to ~3800
    assert len(result["calls"]) == 2
    assert result["calls"][1]["at"] >= result["start"] + 3300 + 3000


def test_without_settings_nothing_is_called_and_the_owner_is_told():
    result = run([0], {})
    assert result["calls"] == []
    assert any("TTR_SYNC_URL" in w for w in result["warnings"])


def test_the_token_is_not_in_the_code():
    text = SCRIPT.read_text(encoding="utf-8")
    assert "getProperty('TTR_SYNC_TOKEN')" in text and "'X-TTR-Token': token" in text
    assert "console.warn('TTR : la synchronisation a répondu ' + status" in text  # status, never the token


INSTALL = r"""
const fs = require('fs');
const [scenarioText, scriptPath] = process.argv.slice(-2);
let triggers = [{handler: 'ttrOnEdit', kind: 'onEdit'}, {handler: 'ttrOnEdit', kind: 'onChange'},
                {handler: 'autreChose', kind: 'onEdit'}];  // an older install (both kinds) and someone else's
global.console = {warn: () => {}, log: () => {}};
global.SpreadsheetApp = {getActive: () => ({getName: () => 'Chez Awa'})};
function builder(handler) {
  const b = {kind: null, forSpreadsheet: () => b,
             onEdit: () => { b.kind = 'onEdit'; return b; }, onChange: () => { b.kind = 'onChange'; return b; },
             create: () => { triggers.push({handler: handler, kind: b.kind}); }};
  return b;
}
global.ScriptApp = {
  getProjectTriggers: () => triggers.map((t) => ({getHandlerFunction: () => t.handler, t: t})),
  deleteTrigger: (x) => { triggers = triggers.filter((t) => t !== x.t); },
  newTrigger: builder};
eval(fs.readFileSync(scriptPath, 'utf8') + '\nglobal.ttrInstall = ttrInstall;');
ttrInstall(); ttrInstall();
process.stderr.write(JSON.stringify({triggers: triggers}) + '\n');
"""


def test_install_leaves_exactly_one_onchange_trigger():
    result = run([], {}, harness=INSTALL)
    mine = [t for t in result["triggers"] if t["handler"] == "ttrOnEdit"]
    assert mine == [{"handler": "ttrOnEdit", "kind": "onChange"}]
    assert {"handler": "autreChose", "kind": "onEdit"} in result["triggers"]  # not ours: left alone


def test_the_call_names_the_last_person_who_edited():
    result = run([0, 400, 900], PROPS, users=["awa@x.tg", "", "kofi@x.tg"])
    (call,) = result["calls"]
    assert call["payload"] == {"source": "apps-script", "classeur": "id-de-la-feuille", "editeur": "kofi@x.tg"}


def test_a_rotated_token_is_read_again_at_the_next_call_and_a_refusal_says_what_to_do():
    result = run([0, 3300], PROPS, rotate={"at": 3500, "token": "nouveau-jeton"}, statuses=[401, 200])
    assert [c["token"] for c in result["calls"]] == ["jeton-de-la-feuille", "nouveau-jeton"]
    assert any("401" in w and "TTR_SYNC_TOKEN" in w for w in result["warnings"])
