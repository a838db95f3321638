from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test sees the developer's settings or writes into the working tree."""
    tracked = {"GOOGLE_APPLICATION_CREDENTIALS", "CLOUDFLARE_PROXY_URL", "NEXT_PUBLIC_CLOUDFLARE_PROXY_URL",
               # functions_framework.create_app writes these into os.environ: tracked so they are undone
               "FUNCTION_SIGNATURE_TYPE", "FUNCTION_TARGET", "FUNCTION_SOURCE", "K_SERVICE"}
    prefixes = ("TTR_", "TRIX_", "ABT_", "WHATSAPP_", "SMTP_")
    for name in tracked | {n for n in os.environ if n.startswith(prefixes)}:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


class Clock:
    """A settable UTC clock."""

    def __init__(self, when: datetime) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when


@pytest.fixture
def clock():
    return Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC))


@pytest.fixture
def biz(clock):
    """A business on the in-memory backends, initialised, in Lomé (XOF)."""
    b = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    b.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    return b
