"""Open the state store named by ``TTR_STATE``: a SQLite path (default) or ``firestore[:<project>]``."""

from __future__ import annotations

import os

from functions.state.base import StateStore

DEFAULT_PATH = "./ttr.state.sqlite"


def open_state(spec: str | None) -> StateStore:
    """``None``/``""`` → SQLite at ``./ttr.state.sqlite``; a path → SQLite; ``firestore`` or
    ``firestore:<project>`` → Firestore (project from the spec, else ``GOOGLE_CLOUD_PROJECT``)."""
    spec = (spec or "").strip()
    if spec == "firestore" or spec.startswith("firestore:"):
        from functions.state.firestore import FirestoreStateStore

        project = spec.partition(":")[2].strip() or os.environ.get("GOOGLE_CLOUD_PROJECT") or None
        return FirestoreStateStore(project=project)
    from functions.state.sqlite import SQLiteStateStore

    return SQLiteStateStore(spec or DEFAULT_PATH)
