"""``ttr demo`` / ``ttr serve`` as a person runs them: links on the port actually served (and never rewritten),
waitress with French output only, the set-up page in an empty folder, hashed static files cached and gzipped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from functions.config import Config

REPO = Path(__file__).resolve().parents[1]
WORKBOOK, STATE = "ttr-demo.xlsx", "ttr-demo.state.sqlite"
ENGLISH = ("Error", "WARNING", "Serving on", "development server", "Traceback", "X-TTR-Token")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TTR_", "WHATSAPP_", "SMTP_"))}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return {**env, **extra}


def ttr(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "functions.cli", *args], cwd=cwd, env=clean_env(**env),
                          capture_output=True, text=True, timeout=240)


def receipt_links(cwd: Path) -> dict[str, str]:
    from functions.business import Business
    from functions.state.sqlite import SQLiteStateStore
    from functions.store.workbook import Workbook
    from functions.store.xlsx import XlsxBackend

    biz = Business(Workbook(XlsxBackend(cwd / WORKBOOK)), SQLiteStateStore(cwd / STATE))
    book = biz.load(["prestations", "caisse"])
    return {f"{tab}:{r.id}": str(r["receipt"]) for tab in ("prestations", "caisse") for r in book.all_rows(tab)
            if r["receipt"]}


def wa_text(link: str) -> str:
    assert link.startswith("https://wa.me/"), link
    return parse_qs(urlsplit(link.replace("&amp;", "&")).query)["text"][0]


def login(s: requests.Session, base: str, email: str, password: str) -> None:
    page = s.get(f"{base}/connexion").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = s.post(f"{base}/connexion", data={"csrf": csrf, "email": email, "password": password}, allow_redirects=False)
    assert r.status_code == 303, r.text[:500]


def wait_up(base: str, proc: subprocess.Popen[str] | None = None, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(proc.stdout.read() if proc.stdout else "le serveur s'est arrêté")
        try:
            if requests.get(f"{base}/sante", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("le serveur n'a pas démarré")


@pytest.mark.slow
def test_demo_on_another_port_every_shared_link_follows_it(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    made = ttr(tmp_path, "demo", "--port", str(port), "--no-serve")
    assert made.returncode == 0, made.stderr
    password = re.search(r"admin@lepalmier\.tg / (\S+)", made.stdout).group(1)
    links = receipt_links(tmp_path)
    assert len(links) > 100 and all(link.startswith(f"{base}/r/") for link in links.values()), \
        {link for link in links.values() if not link.startswith(base)}

    # Someone runs the sync with another TTR_PUBLIC_URL (or none): no issued link is rewritten.
    synced = ttr(tmp_path, "sync", "-w", WORKBOOK, "-s", STATE, TTR_PUBLIC_URL="http://127.0.0.1:1")
    assert synced.returncode == 0, synced.stderr
    assert receipt_links(tmp_path) == links
    assert ttr(tmp_path, "sync", "-w", WORKBOOK, "-s", STATE).returncode == 0
    assert receipt_links(tmp_path) == links
    # A second `ttr demo` says how to log in.
    again = ttr(tmp_path, "demo", "--port", str(port), "--no-serve")
    assert "Connexion : admin@lepalmier.tg" in again.stdout and "--reinitialiser" in again.stdout

    proc = subprocess.Popen([sys.executable, "-m", "functions.cli", "serve", "--port", str(port), "-w", WORKBOOK,
                             "-s", STATE], cwd=tmp_path, env=clean_env(TTR_TRUSTED_PROXIES="1"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        wait_up(base, proc)
        s = requests.Session()
        for n, (row_id, link) in enumerate(links.items()):  # every receipt, and the WhatsApp text of its page
            # each opened from its own phone (receipt pages allow 60 a minute per address)
            r = s.get(link, timeout=30, headers={"X-Forwarded-For": f"10.0.{n // 250}.{n % 250 + 1}"})
            assert r.status_code == 200, (row_id, link, r.status_code)
            share = re.search(r'class="wa" href="([^"]+)"', r.text)
            if share:
                assert link in wa_text(share.group(1)), row_id
        login(s, base, "admin@lepalmier.tg", password)
        clients = re.findall(r'href="/clients/(C[A-Z0-9]{5,})"', s.get(f"{base}/clients").text)
        assert clients
        for cid in clients[:5]:  # a client's statement, and the WhatsApp message carrying it
            r = s.get(f"{base}/clients/{cid}/releve", allow_redirects=False)
            statement = r.headers["Location"]
            assert r.status_code == 303 and statement.startswith(f"{base}/r/"), statement
            assert s.get(statement).status_code == 200
            r = s.get(f"{base}/clients/{cid}/releve?whatsapp=1", allow_redirects=False)
            assert statement in wa_text(r.headers["Location"])
        pid = next(k.split(":", 1)[1] for k in links if k.startswith("prestations:"))
        page = s.get(f"{base}/prestations/{pid}").text
        shares = re.findall(r'href="(https://wa\.me/[^"]+)"', page)
        assert shares  # the prestation's WhatsApp text carries its receipt link on this port
        assert all(links[f"prestations:{pid}"] in wa_text(share) for share in shares)
        assert receipt_links(tmp_path) == links
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert f"TTR Gestion sur {base}/" in out and "Planification : rappels chaque jour à" in out
    assert "TTR Gestion arrêté." in out
    assert not [w for w in ENGLISH if w in out], out


@contextmanager
def served(folder: Path, port: int = 0, **kw):
    from functions.web.server import Server

    printed: list[str] = []
    config = Config.from_env({})
    config.workbook, config.state = str(folder / "ttr.xlsx"), str(folder / "ttr.state.sqlite")
    server = Server.start(config, "127.0.0.1", port, echo=printed.append, **kw)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_up(server.url)
        yield server, printed
    finally:
        server.close()
        thread.join(10)
    assert not thread.is_alive()


def test_serve_in_an_empty_folder_creates_the_workbook_and_opens_the_setup(tmp_path):
    with served(tmp_path, tick_seconds=0.2) as (server, printed):
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        r = requests.get(f"{server.url}/", allow_redirects=False)
        assert r.status_code in (302, 303) and r.headers["Location"].endswith("/installation")
        page = requests.get(f"{server.url}/installation")
        assert page.status_code == 200 and "Installation — TTR Gestion" in page.text
        assert r.headers["Server"] == "TTR Gestion"  # waitress, not the development server
    assert (tmp_path / "ttr.xlsx").exists()
    text = "\n".join(printed)
    assert "Classeur créé" in text and f"Première visite : {server.url}/installation" in text
    assert "Planification : rappels chaque jour à 08:00 (Africa/Lome)" in text
    assert server.scheduler is not None and not server.scheduler.running  # stopped with the server
    assert not [w for w in ENGLISH if w in text], text


def test_static_files_have_a_hashed_name_a_long_cache_and_gzip(tmp_path):
    with served(tmp_path, schedule=False) as (server, _):
        page = requests.get(f"{server.url}/installation", headers={"Accept-Encoding": "gzip"})
        assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
        css = re.search(r'href="(/static/style\.[0-9a-f]{12}\.css)"', page.text)
        assert css, "the stylesheet is not linked under a hashed name"
        r = requests.get(server.url + css.group(1), headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/css")
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert r.headers["Content-Encoding"] == "gzip" and int(r.headers["Content-Length"]) < len(r.content)
        assert r.text == (REPO / "templates" / "web" / "style.css").read_text(encoding="utf-8")
        again = requests.get(server.url + css.group(1), headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304
        plain = requests.get(server.url + css.group(1), headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers and plain.text == r.text
        assert requests.get(f"{server.url}/static/style.000000000000.css").headers["Cache-Control"] != \
            "public, max-age=31536000, immutable"  # an old name is served, but not as immutable
        assert requests.get(f"{server.url}/static/app.000000000000.py").status_code == 404


def test_a_logged_in_user_gets_cached_static_files_not_no_store(biz, clock):
    from tests.web.conftest import Shell

    shell = Shell(biz, clock)
    client = shell.login_admin()
    html = client.get("/parametres").get_data(as_text=True)
    assert 'href="/style.css"' not in html
    url = re.search(r'href="(/static/style\.[0-9a-f]{12}\.css)"', html).group(1)
    r = client.get(url)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    legacy = client.get("/style.css")
    assert legacy.status_code == 200 and "no-store" not in legacy.headers["Cache-Control"]
    assert client.get("/parametres").headers["Cache-Control"] == "no-store"  # pages stay private


def test_the_link_base_follows_the_served_address_unless_configured(tmp_path):
    config = Config.from_env({})
    config.serve_at("127.0.0.1", 18100)
    assert config.public_url == "http://127.0.0.1:18100"
    fixed = Config.from_env({"TTR_PUBLIC_URL": "https://gestion.example.tg/"})
    fixed.serve_at("127.0.0.1", 18100)
    assert fixed.public_url == "https://gestion.example.tg"
    lan = Config.from_env({})
    lan.serve_at("0.0.0.0", 8080)
    assert not lan.public_url.startswith("http://0.0.0.0")


def test_serving_on_another_address_says_that_shared_links_stay_on_the_old_one(tmp_path):
    with served(tmp_path, schedule=False) as (first, printed):
        pass
    assert not any("Attention" in line for line in printed)
    port = next(p for p in iter(free_port, None) if f":{p}" not in first.url)
    with served(tmp_path, port, schedule=False) as (second, printed):
        pass
    assert second.url != first.url
    assert any(f"liens déjà partagés (reçus, relevés) restent sur {first.url}" in line for line in printed)


def test_tokens_are_printed_only_when_asked(tmp_path):
    with served(tmp_path, schedule=False) as (server, printed):
        assert not any("X-TTR-Token" in line for line in printed)
        server.echo_tokens()
    tokens = [line for line in printed if "X-TTR-Token" in line]
    assert [t.split(":")[0].strip() for t in tokens] == ["POST /sync avec l'en-tête X-TTR-Token",
                                                         "POST /rappels avec l'en-tête X-TTR-Token"]
    sync = tokens[0].rsplit(" ", 1)[1]
    with served(tmp_path, schedule=False) as (again, _):
        r = requests.post(f"{again.url}/sync", headers={"X-TTR-Token": sync})
        assert r.status_code == 200 and "ecritures" in r.json()


def test_a_process_with_many_open_files_still_serves(tmp_path):
    """waitress's loop polls: with select() a listening socket above descriptor 1024 (a long-running process,
    or this test suite after a thousand tests) killed the loop thread silently and nothing answered."""
    held = [open(os.devnull) for _ in range(1100)]
    try:
        with served(tmp_path, schedule=False) as (server, _):
            assert requests.get(f"{server.url}/sante", timeout=5).status_code == 200
    finally:
        for f in held:
            f.close()
