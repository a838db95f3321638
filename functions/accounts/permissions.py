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


#: What each switch opens on the Tableau de bord (and in every summary an employee sees), beyond its pages.
#: Sections not listed (Vente Rapide, today's arrivals, À corriger) are every employee's work.
DASHBOARD: dict[str, tuple[str, str]] = {
    "cash": ("caisse", "ventes et dépenses du mois, solde de caisse"),
    "unpaid": ("clients", "soldes impayés, avec le nom des clients"),
    "low_stock": ("stock", "stock bas"),
    "recent": ("journal", "activité récente (dernières lignes du Journal)"),
}


def dashboard_sections(role: str | None, settings: Mapping[str, str]) -> set[str]:
    """The Tableau de bord sections someone with ``role`` may see (an admin: all)."""
    return {name for name, (module, _) in DASHBOARD.items() if allowed(role, module, settings)}


def opens(module: str) -> list[str]:
    """What a module's switch opens on the Tableau de bord."""
    return [label for m, label in DASHBOARD.values() if m == module]


#: Pages and TRIX figures each switch opens (the Paramètres page and the manual say the same).
PAGES: dict[str, tuple[str, str]] = {
    "caisse": ("Caisse et clôture de caisse", "ventes, caisse par catégorie, résultat"),
    "stock": ("Stock et mouvements", "état du stock"),
    "agenda": ("Agenda", "agenda à venir"),
    "clients": ("Clients et leurs relevés", "soldes des clients, prestations impayées, recherche de clients"),
    "investments": ("Investissements", "rendement des investissements"),
    "games": ("Jeux", ""),
    "journal": ("Journal et son export CSV", ""),
    "rapports": ("Rapports et exports", ""),
}


def describe(module: str) -> str:
    """One French line: what switching ``module`` on gives an employee."""
    pages, trix = PAGES.get(module, ("", ""))
    parts = [f"pages : {pages}"] if pages else []
    if opens(module):
        parts.append("Tableau de bord : " + ", ".join(opens(module)))
    if trix:
        parts.append(f"TRIX : {trix}")
    return " ; ".join(parts)


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
