"""The one composition root: every edge (``main.py``, the CLI, the web app, workspaces) gets its
``Business`` here, so the hooks that complete a change (receipt links) and the settings they need are
registered once, the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from functions import config as settings
from functions.business import Business
from functions.config import Config
from functions.state.base import StateStore
from functions.store.workbook import Workbook


def wire(biz: Business, config: Config) -> Business:
    """Register the change hooks of a business (once: a second call changes nothing)."""
    from functions.receipts.hooks import receipt_hook

    if not getattr(biz, "_wired", False):
        biz.change_hooks.append(receipt_hook(config.public_url))  # receipt links in the Reçu columns
        biz._wired = True  # type: ignore[attr-defined]
    return biz


def business(workbook: Workbook, state: StateStore, config: Config | None = None, *,
             clock: Callable[[], datetime] | None = None) -> Business:
    """A wired business over an already opened workbook and state store (workspaces, tests)."""
    return wire(Business(workbook, state, clock=clock), config or Config.from_env())


def open_business(config: Config | None = None) -> Business:
    """The business named by the settings (``TTR_WORKBOOK``, ``TTR_STATE``), wired, writing links on
    ``config.link_base`` (``TTR_PUBLIC_URL``, else the address this deployment serves)."""
    config = config or Config.from_env()
    backend = settings.open_backend(config.workbook)  # a bad workbook setting fails before a state file is made
    state = settings.open_state_store(config.state)
    settings.link_base(config, state)
    return business(Workbook(backend), state, config)
