"""The office pages of the web app, one blueprint ``office``: Caisse (with the clôture de caisse), Stock,
Agenda, Investissements, Journal, Manuel, Jeux and the Paramètres additions (types, expense categories,
link to the Google Sheet).

The routes live in ``office_caisse``, ``office_stock``, ``office_agenda``, ``office_journal`` and
``office_settings``, all on the blueprint of ``office_common``; importing this module registers them.
"""

from __future__ import annotations

from functions.web import office_agenda, office_caisse, office_journal, office_settings, office_stock  # noqa: F401
from functions.web.office_common import bp

__all__ = ["bp"]
