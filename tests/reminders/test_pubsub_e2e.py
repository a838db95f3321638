"""End to end: Cloud Scheduler's path through the real Pub/Sub emulator to a functions-framework process.

A topic and a push subscription to a local ``functions-framework`` process serving the CloudEvent handler;
a publish, and the WhatsApp fake receives exactly the expected messages. Then (the next day) the endpoint
fails once — its workbook write fails after the messages left — and Pub/Sub's redelivery sends nothing
twice and completes the sheet. The emulator is the Java binary of the Google Cloud SDK, started directly
in its own process group and killed at the end; without the SDK or Java the test is skipped.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests

from tests.fakes.whatsapp import FakeWhatsApp

pytestmark = [pytest.mark.emulator, pytest.mark.slow]
EMULATOR = Path("/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator")
PROJECT = "demo-ttr"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_http(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"process ended early: {log.read_text()[-2000:]}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"{url} not ready after {timeout}s: {log.read_text()[-2000:]}")


@pytest.fixture
def emulator(tmp_path) -> Iterator[str]:
    if not EMULATOR.is_file():
        pytest.skip(f"Pub/Sub emulator absent ({EMULATOR}): install the Google Cloud SDK component pubsub-emulator")
    if shutil.which("java") is None:
        pytest.skip("Java absent: the Pub/Sub emulator needs Java 17 (apt install openjdk-17-jre-headless)")
    port = free_port()
    log = tmp_path / "pubsub.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(EMULATOR), "--host=127.0.0.1", f"--port={port}"], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url, proc, 90, log)
        yield url
    finally:
        stop(proc)


MAIN_LIKE = '''
import os
from datetime import UTC, datetime
from pathlib import Path

import functions_framework

from functions.business import Business
from functions.config import open_backend, open_state_store
from functions.errors import BackendError
from functions.reminders.entry import handle_cloud_event
from functions.store.workbook import Workbook

HERE = Path({here!r})


def clock():
    return datetime.fromisoformat((HERE / "clock.txt").read_text().strip()).replace(tzinfo=UTC)


def business():
    b = Business(Workbook(open_backend(str(HERE / "ttr.xlsx"))), open_state_store(str(HERE / "state.sqlite")),
                 clock=clock)
    write = b.workbook.backend.write

    def write_or_fail_once(ops):
        flag = HERE / "fail-once"
        if flag.exists():
            flag.unlink()
            raise BackendError()
        return write(ops)

    b.workbook.backend.write = write_or_fail_once
    return b


@functions_framework.cloud_event
def reminders_pubsub(cloud_event):
    with (HERE / "deliveries.txt").open("a") as f:
        f.write(cloud_event["id"] + "\\n")
    handle_cloud_event(cloud_event, business)
'''


def test_scheduler_pubsub_push_to_functions_framework(emulator, tmp_path):
    from functions.business import Business
    from functions.config import open_backend, open_state_store
    from functions.store.workbook import Workbook
    from tests.reminders.conftest import fill

    (tmp_path / "clock.txt").write_text("2026-03-14T09:30:00")
    b = Business(Workbook(open_backend(str(tmp_path / "ttr.xlsx"))), open_state_store(str(tmp_path / "state.sqlite")))
    b.init({"business_name": "Chez Awa", "phone": "90 11 22 33", "timezone": "Africa/Lome"})
    ids = fill(b, date(2026, 3, 14))
    b.add("agenda", {"title": "Réunion banque", "date": date(2026, 3, 15), "reminder": "Le jour même",
                     "for": "+228 93 00 00 03"}, "Awa")
    (tmp_path / "main_like.py").write_text(MAIN_LIKE.format(here=str(tmp_path)))

    with FakeWhatsApp() as whatsapp:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "WHATSAPP_TOKEN": whatsapp.token,
               "WHATSAPP_PHONE_NUMBER_ID": whatsapp.phone_number_id, "WHATSAPP_API_URL": whatsapp.url}
        log = tmp_path / "ff.log"
        with log.open("w") as out:
            ff = subprocess.Popen([sys.executable, "-m", "functions_framework", "--target=reminders_pubsub",
                                   f"--source={tmp_path / 'main_like.py'}", "--signature-type=cloudevent",
                                   "--host=127.0.0.1", f"--port={port}"], env=env, cwd=tmp_path, stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_http(f"http://127.0.0.1:{port}/", ff, 30, log)
            api = f"{emulator}/v1/projects/{PROJECT}"
            topic = f"projects/{PROJECT}/topics/rappels"
            assert requests.put(f"{api}/topics/rappels", json={}, timeout=10).ok
            r = requests.put(f"{api}/subscriptions/rappels-push", timeout=10, json={
                "topic": topic, "ackDeadlineSeconds": 10,
                "pushConfig": {"pushEndpoint": f"http://127.0.0.1:{port}/"}})
            assert r.ok, r.text

            def publish() -> None:
                data = base64.b64encode(json.dumps({"job": "rappels"}).encode()).decode()
                r = requests.post(f"{api}/topics/rappels:publish", json={"messages": [{"data": data}]}, timeout=10)
                assert r.ok, r.text

            def day_complete(day: str, timeout: float = 60) -> None:
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    state = open_state_store(str(tmp_path / "state.sqlite"))
                    done = (state.get("reminders", f"day:{day}") or {}).get("complete")
                    state.close()
                    if done:
                        return
                    time.sleep(0.3)
                pytest.fail(f"day {day} not complete; log: {log.read_text()[-3000:]}")

            # Day 1: one publish, exactly the expected messages.
            publish()
            day_complete("2026-03-14")
            sent = sorted((to, name) for to, name, _ in whatsapp.sent())
            assert sent == sorted([("22891000001", "ttr_rappel_agenda"), ("22890112233", "ttr_rappel_agenda"),
                                   ("22892000002", "ttr_rappel_agenda"), ("22890112233", "ttr_stock_bas"),
                                   ("22890112233", "ttr_resume_matin")])
            assert whatsapp.refused == []

            # Day 2: the endpoint fails once (its workbook write), Pub/Sub redelivers, nothing goes twice.
            (tmp_path / "clock.txt").write_text("2026-03-15T09:30:00")
            (tmp_path / "fail-once").write_text("")
            deliveries_before = len((tmp_path / "deliveries.txt").read_text().split())
            publish()
            day_complete("2026-03-15", timeout=90)
            assert not (tmp_path / "fail-once").exists()  # the failure happened
            day2 = sorted((to, name) for to, name, _ in whatsapp.sent()[5:])
            assert day2 == sorted([("22893000003", "ttr_rappel_agenda"), ("22890112233", "ttr_stock_bas"),
                                   ("22890112233", "ttr_resume_matin")])
            deliveries = (tmp_path / "deliveries.txt").read_text().split()[deliveries_before:]
            assert len(deliveries) >= 2 and len(set(deliveries)) == 1  # the same message, redelivered
            time.sleep(1.5)
            assert len(whatsapp.sent()) == 8
        finally:
            stop(ff)

    after = Business(Workbook(open_backend(str(tmp_path / "ttr.xlsx"))), open_state_store(str(tmp_path / "state.sqlite")))
    book = after.load(["agenda", "journal"])
    assert book.find("agenda", ids["tomorrow"])["last_reminder"] is not None
    assert len([r for r in book.all_rows("journal") if r["action"] == "rappel"]) == 8
    assert after.verify_journal().ok
