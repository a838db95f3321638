"""The peer modules' web pages: blueprints registered by import path, each imported lazily.

A module that does not exist yet (or fails to import) is skipped with a logged warning, so the shell
runs while its peers are being written. ``NAV`` lists the menu entries: an entry appears only when its
endpoint exists and the user may open it (same rules as the access check).
"""

from __future__ import annotations

import importlib
import logging

from flask import Blueprint, Flask

log = logging.getLogger(__name__)

#: "package.module:attribute" of each peer blueprint.
BLUEPRINTS: list[str] = [
    "functions.receipts.web:bp",
    "functions.invoices.web:bp",
    "functions.promo.web:bp",
    "functions.reminders.entry:bp",
    "functions.trix.web:bp",
    "functions.web.sales:bp",
    "functions.web.office:bp",
    "functions.web.reports:bp",
    "functions.web.offline:bp",
    "functions.web.year_close:bp",
]

#: (French label, endpoint) of the menu, in order; the shell's own pages are included.
NAV: list[tuple[str, str]] = [
    ("Accueil", "home"),
    ("Comptoir", "offline.counter"),
    ("Prestations", "sales.prestations"),  # the label follows the business type (see app.py)
    ("Clients", "sales.clients"),
    ("Caisse", "office.caisse"),
    ("Stock", "office.stock"),
    ("Agenda", "office.agenda"),
    ("Investissements", "office.investments"),
    ("Journal", "office.journal"),
    ("Rapports", "reports.page"),
    ("TRIX", "trix.page"),
    ("Manuel", "office.manual"),
    ("Jeux", "office.games"),
    ("Équipe", "team.team"),
    ("Espaces", "team.workspaces"),
    ("Paramètres", "auth.settings"),
]


def load(path: str) -> Blueprint | None:
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        log.warning("Module web %s absent (%s) : ignoré.", path, exc)
        return None
    bp = getattr(module, attribute or "bp", None)
    if not isinstance(bp, Blueprint):
        log.warning("Module web %s : pas de Blueprint « %s » : ignoré.", path, attribute or "bp")
        return None
    return bp


def register(app: Flask, paths: list[str] | None = None) -> list[str]:
    """Register every blueprint that can be imported; returns the names registered."""
    done = []
    for path in BLUEPRINTS if paths is None else paths:
        bp = load(path)
        if bp is not None and bp.name not in app.blueprints:
            app.register_blueprint(bp)
            done.append(bp.name)
    return done
