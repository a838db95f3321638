"""The dashboard's trend chart in headless Chromium at 360 px: inside the screen, its text readable, the page
under 100 KB (screenshot under ``tests/artifacts/360/tableau-de-bord-tendance.png``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.test_360 import ARTIFACTS, CHECK, CHROMIUM, FLAGS, WIDTH, demo_server, login  # noqa: F401 - fixture

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def test_the_trend_fits_a_360px_phone(demo_server):  # noqa: F811 - the fixture of test_360
    base, _biz = demo_server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="fr-FR").new_page()
        login(page, base, "admin")
        answer = page.goto(base + "/")
        assert answer is not None and len(answer.body()) < 100_000
        chart = page.locator(".trend figure.chart svg")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH and box["height"] >= 60
        sizes = page.evaluate("() => [...document.querySelectorAll('.trend svg text')]"
                              ".map(t => t.getBoundingClientRect().height)")
        assert sizes and min(sizes) >= 10  # the labels render at 10 px or more on the phone
        found = page.evaluate(CHECK)
        assert found["scroll"] <= WIDTH and not found["out"] and not found["broken"], found
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator(".trend").screenshot(path=str(ARTIFACTS / "tableau-de-bord-tendance.png"))
        page.screenshot(path=str(ARTIFACTS / "tableau-de-bord.png"), full_page=True)
        browser.close()
