from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from functions.accounts import passwords


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """argon2id still, with small costs: the tests hash dozens of passwords."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))
    monkeypatch.setattr(passwords, "_DUMMY", [])
