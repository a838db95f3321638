"""Per-module switches for employees, read from ``Paramètres`` (« Oui » / « Non »); admins may open all.

``journal`` needs the setting ``perm_journal`` in the schema; until it exists it reads as « Non ».
"""

from __future__ import annotations

from collections.abc import Mapping

#: module -> (settings key, French label, default when the key is absent)
MODULES: dict[str, tuple[str, str, str]] = {
    "caisse": ("perm_caisse", "Caisse", "Oui"),
    "stock": ("perm_stock", "Stock", "Oui"),
    "agenda": ("perm_agenda", "Agenda", "Oui"),
    "clients": ("perm_clients", "Clients", "Oui"),
    "investments": ("perm_investments", "Investissements", "Non"),
    "games": ("perm_games", "Jeux", "Non"),
    "journal": ("perm_journal", "Journal", "Non"),
    "rapports": ("perm_rapports", "Rapports", "Non"),
}


def is_yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("oui", "o", "yes", "vrai", "true", "1", "x")


def allowed(role: str | None, module: str | None, settings: Mapping[str, str]) -> bool:
    """May someone with ``role`` open ``module``? Unknown modules are admin-only (fail closed)."""
    if role == "admin":
        return True
    if role != "employee":
        return False
    if module is None:
        return True
    if module not in MODULES:
        return False
    key, _, default = MODULES[module]
    return is_yes(settings.get(key, default))


def switches(settings: Mapping[str, str]) -> list[tuple[str, str, bool]]:
    """(module, label, on) for the settings page."""
    return [(m, label, is_yes(settings.get(key, default))) for m, (key, label, default) in MODULES.items()]
