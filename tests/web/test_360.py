"""Every page at 360 px, as the admin and as an employee, over the demo guesthouse (issue 16, item 4).

Each page is screenshotted under ``tests/artifacts/360/`` (git-ignored) and must hold:

* nothing wider than the screen: ``scrollWidth <= 360`` and no visible element reaching past the right edge
  (except inside a box that scrolls sideways on purpose, such as the manual's wide tables);
* the menu shows the current section in its bar, and « Plus » opens a sheet with the rest, within the screen;
* no amount breaks inside itself (« 13 050 000 FCF / A »): every « … FCFA » sits on one line.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.web.conftest import live_app

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "360"
WIDTH = 360

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600),
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]

#: Visible elements past the right edge (outside sideways-scrolling boxes), and amounts split over lines.
CHECK = r"""() => {
  const W = document.documentElement.clientWidth, out = [], broken = [];
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p); if (/(auto|scroll)/.test(s.overflowX) && p !== document.body
        && p !== document.documentElement) return true; } return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!r.width || !r.height || s.visibility === 'hidden' || s.position === 'fixed' && r.bottom <= 0) continue;
    if ((r.right > W + 1 || r.left < -1) && !scrolls(el))
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' +
               Math.round(r.left) + '→' + Math.round(r.right) + ' « ' + (el.innerText || '').slice(0, 40) + ' »');
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const amount = /-?\d{1,3}(?:[\u00a0\u202f ]\d{3})*(?:,\d+)?[\u00a0\u202f ](?:FCFA|€)/g;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    for (const m of n.data.matchAll(amount)) {
      const range = document.createRange(); range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.bottom)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return {scroll: document.documentElement.scrollWidth, out, broken};
}"""


def pages(biz) -> dict[str, str]:
    """Every page a person reads, with real ids from the demo."""
    book = biz.book()
    first = {key: next((r.id for r in book.rows(key) if r.id), "") for key in
             ("clients", "prestations", "stock", "agenda", "investments")}
    paid = next((p.id for p in book.rows("prestations")
                 if any(c["prestation_id"] == p.id for c in book.rows("caisse"))), first["prestations"])
    return {
        "accueil": "/", "prestations": "/prestations", "prestation": f"/prestations/{paid}",
        "prestation-nouvelle": "/prestations/nouvelle", "prestation-modifier": f"/prestations/{paid}/modifier",
        "clients": "/clients", "client": f"/clients/{first['clients']}", "client-nouveau": "/clients/nouveau",
        "client-modifier": f"/clients/{first['clients']}/modifier",
        "caisse": "/caisse", "cloture": "/caisse/cloture", "stock": "/stock", "article": f"/stock/{first['stock']}",
        "article-nouveau": "/stock/nouveau", "article-modifier": f"/stock/{first['stock']}/modifier",
        "agenda": "/agenda", "agenda-nouveau": "/agenda/nouveau", "agenda-modifier": f"/agenda/{first['agenda']}/modifier",
        "investissements": "/investissements", "investissement-nouveau": "/investissements/nouveau",
        "investissement-modifier": f"/investissements/{first['investments']}/modifier",
        "journal": "/journal", "trix": "/trix", "manuel": "/manuel", "jeux": "/jeux", "equipe": "/equipe",
        "espaces": "/espaces", "parametres": "/parametres", "parametres-activite": "/parametres/activite",
        "introuvable": "/nulle-part",
    }


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    from functions import demo
    from functions.accounts import users
    from functions.accounts.workspaces import DEFAULT

    tmp = tmp_path_factory.mktemp("demo360")
    with live_app(tmp) as (base, biz, _app):
        demo.fill(biz, datetime(2026, 12, 1, 16, 4, tzinfo=UTC))
        when = users.Moment(datetime.now(UTC).timestamp(), "2026-12-01 16:04:00")
        users.create(biz.state, name="Afi Lawson", email="afi@lepalmier.tg", password="motdepasse-afi", when=when,
                     workspace=DEFAULT, role="admin")
        biz.state.create("accounts", "setup", {"at": when.local})
        users.create(biz.state, name="Kodjo Amegah", phone="+22890112233", password="motdepasse-kodjo", when=when,
                     workspace=DEFAULT, role="employee")
        yield base, biz


def login(page, base: str, role: str) -> None:
    if role == "admin":
        page.goto(base + "/connexion")
        page.fill("#email", "afi@lepalmier.tg")
        page.fill("#password", "motdepasse-afi")
    else:
        page.goto(base + "/connexion/telephone")
        page.fill("#phone", "90 11 22 33")
        page.fill("#password", "motdepasse-kodjo")
    page.click("main button[type=submit]")
    assert page.url == base + "/", page.inner_text("main")


@pytest.mark.parametrize("role", ["admin", "employe"])
def test_every_page_fits_a_360px_phone(demo_server, role):
    base, biz = demo_server
    folder = ARTIFACTS / role
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    problems: list[str] = []
    seen = 0
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="fr-FR").new_page()
        login(page, base, role)
        for name, path in pages(biz).items():
            answer = page.goto(base + path)
            if "/connexion" in page.url or (answer is not None and answer.status == 403):
                continue  # a page this role may not open: its refusal is checked in test_access
            seen += 1
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
            found = page.evaluate(CHECK)
            if found["scroll"] > WIDTH:
                problems.append(f"{name}: la page fait {found['scroll']} px de large")
            problems += [f"{name}: déborde : {o}" for o in found["out"][:5]]
            problems += [f"{name}: montant coupé : {b!r}" for b in found["broken"]]
            on = page.locator("nav.menu > a.on")
            if path != "/nulle-part" and path not in ("/parametres/activite",) and on.count():
                box = on.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"{name}: section hors écran"
        # « Plus »: the rest of the menu in a sheet a thumb reaches, inside the screen.
        page.goto(base + "/journal" if role == "admin" else base + "/agenda")
        assert page.locator("nav.menu > a.on").is_visible()
        page.click("nav.menu summary")
        sheet = page.locator("nav.menu .sheet")
        assert sheet.is_visible()
        links = sheet.locator("a")
        assert links.count() >= 2
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
        page.screenshot(path=str(folder / "menu-plus.png"))
        menu = page.evaluate("() => document.querySelector('nav.menu').getBoundingClientRect().width")
        assert menu <= WIDTH
        browser.close()
    assert seen >= (25 if role == "admin" else 12), seen
    assert not problems, "\n".join(problems)
