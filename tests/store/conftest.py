from __future__ import annotations

import importlib

import pytest

BACKENDS = ["memory", "xlsx", "gsheets"]


@pytest.fixture(params=BACKENDS)
def backend_and_person(request, tmp_path):
    """(backend, person) for every workbook backend; the contract suite runs unchanged on each."""
    module = importlib.import_module(f"tests.store.factory_{request.param}")
    with module.make(tmp_path) as pair:
        yield pair
