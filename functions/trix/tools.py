"""TRIX's tools (OpenAI function calling): read-only questions to the business's figures, and drafting.

``SPECS`` is the exact list offered to the model; ``run_tool(name, arguments, figures)`` executes one call
and returns compact JSON for a ``tool`` message. A name that is not in ``TOOLS`` (a model asking to
"delete a client", say) gets a refusal, never an action: no tool here can change data. Bad arguments get
a French error in the result, for the model to correct itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from functions.errors import InvalidInputError
from functions.phones import wa_number
from functions.reports.periods import PERIODS, period
from functions.trix.figures import Figures

MAX_LIMIT = 30
MAX_RESULT_CHARS = 6000

#: Calling codes of the countries TTR Gestion serves (and a few neighbours), for wa.me numbers.


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[Figures, dict[str, Any]], dict[str, Any]]

    def spec(self) -> dict[str, Any]:
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": self.parameters}}


def _schema(props: dict[str, Any] | None = None, required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props or {}, "required": required or [], "additionalProperties": False}


PERIOD_PROPS = {
    "period": {"type": "string", "enum": list(PERIODS), "description": "Période nommée (défaut : this_month)."},
    "start": {"type": "string", "description": "Début AAAA-MM-JJ (remplace period si donné)."},
    "end": {"type": "string", "description": "Fin AAAA-MM-JJ incluse (défaut : aujourd'hui)."},
}
LIMIT = {"limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "description": "Nombre maximal de lignes."}}


def _limit(args: dict[str, Any], default: int = 10) -> int:
    value = args.get("limit", default)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInputError("limit doit être un nombre entier.")
    try:
        return max(1, min(MAX_LIMIT, int(value)))
    except ValueError:
        raise InvalidInputError("limit doit être un nombre entier.") from None


def _period(f: Figures, args: dict[str, Any]) -> Any:
    return period(args.get("period"), f.today, args.get("start"), args.get("end"))


def whatsapp(f: Figures, args: dict[str, Any]) -> dict[str, Any]:
    text = str(args.get("message") or "").strip()
    if not text:
        raise InvalidInputError("message : le texte du message est vide.")
    if len(text) > 2000:
        raise InvalidInputError("message : 2000 caractères au plus.")
    number = wa_number(str(args.get("phone") or ""), f.book.settings.get("country") or "TG")
    link = f"https://wa.me/{number}?text={quote(text, safe='')}"
    f.links.append({"telephone": number, "lien": link})
    return {"lien": link, "telephone": number,
            "note": "" if number else "Numéro absent ou invalide : le lien laisse choisir le contact dans WhatsApp."}


TOOLS: dict[str, Tool] = {t.name: t for t in [
    Tool("business_profile", "Profil de l'entreprise (nom, activité, pays, devise, coordonnées) : données.",
         _schema(), lambda f, a: f.profile()),
    Tool("kpis", "Indicateurs d'une période : entrées (encaissements, ventes rapides, revenus), dépenses, "
         "remboursements, résultat net, prestations, nouveaux clients, solde de caisse et impayés actuels.",
         _schema(PERIOD_PROPS), lambda f, a: f.kpis(_period(f, a))),
    Tool("profit_and_loss", "Compte de résultat d'une période, comme la page Rapports : chiffre d'affaires, dépenses "
         "par catégorie, résultat, encaissements par moyen de paiement, solde de caisse au début et à la fin, "
         "taux d'occupation.", _schema({**PERIOD_PROPS, **LIMIT}),
         lambda f, a: f.profit_and_loss(_period(f, a), _limit(a, 20))),
    Tool("sales_by_type", "Ventes d'une période par type de prestation (nombre, montant facturé, déjà payé).",
         _schema({**PERIOD_PROPS, **LIMIT}), lambda f, a: f.sales_by_type(_period(f, a), _limit(a))),
    Tool("sales_by_article", "Ventes d'une période par article (quantités et montants : ventes rapides et lignes).",
         _schema({**PERIOD_PROPS, **LIMIT}), lambda f, a: f.sales_by_article(_period(f, a), _limit(a))),
    Tool("client_balances", "Clients qui doivent le plus d'argent (solde facturé moins payé), du plus grand au plus petit.",
         _schema(LIMIT), lambda f, a: f.client_balances(_limit(a))),
    Tool("unpaid_prestations", "Prestations non annulées avec un reste à payer.",
         _schema(LIMIT), lambda f, a: f.unpaid_prestations(_limit(a, 20))),
    Tool("stock_status", "État du stock : quantités, seuils d'alerte, valeur au prix d'achat (only_low : stock bas seulement).",
         _schema({"only_low": {"type": "boolean"}, **LIMIT}),
         lambda f, a: f.stock(bool(a.get("only_low", True)), _limit(a, 20))),
    Tool("upcoming_agenda", "Tâches à faire (et en retard) et prestations qui commencent dans les prochains jours.",
         _schema({"days": {"type": "integer", "minimum": 0, "maximum": 90}, **LIMIT}),
         lambda f, a: f.agenda(max(0, min(90, int(a.get("days", 7)))), _limit(a, 20))),
    Tool("cash_by_category", "Caisse d'une période par type et catégorie (entrées et sorties).",
         _schema({**PERIOD_PROPS, **LIMIT}), lambda f, a: f.cash_by_category(_period(f, a), _limit(a, 20))),
    Tool("investment_returns", "Investissements : montant initial, retour attendu, gain, durée, ROI, risque, statut.",
         _schema(LIMIT), lambda f, a: f.investments(_limit(a, 20))),
    Tool("find_clients", "Chercher des clients par nom (téléphone, email, solde), par exemple avant d'écrire un message.",
         _schema({"query": {"type": "string"}, **LIMIT}, ["query"]),
         lambda f, a: f.find_clients(str(a.get("query") or "")[:100], _limit(a, 5))),
    Tool("whatsapp_link", "Préparer un message WhatsApp : renvoie un lien wa.me qui ouvre WhatsApp avec le texte "
         "(phone : numéro du destinataire, vide s'il est inconnu).",
         _schema({"phone": {"type": "string"}, "message": {"type": "string"}}, ["message"]), whatsapp),
]}

SPECS: list[dict[str, Any]] = [t.spec() for t in TOOLS.values()]

#: The module switch (Paramètres › Employés : …) an employee needs for each tool's figures.
MODULE_OF: dict[str, str] = {
    "kpis": "caisse", "profit_and_loss": "caisse", "sales_by_type": "caisse", "sales_by_article": "caisse", "cash_by_category": "caisse",
    "client_balances": "clients", "unpaid_prestations": "clients", "find_clients": "clients",
    "stock_status": "stock", "upcoming_agenda": "agenda", "investment_returns": "investments",
}


def allowed_tools(modules: set[str] | None) -> set[str]:
    """Names of the tools a user may use: every tool (admin: ``None``), else those of their modules."""
    if modules is None:
        return set(TOOLS)
    return {name for name in TOOLS if MODULE_OF.get(name) is None or MODULE_OF[name] in modules}


def specs_for(allowed: set[str]) -> list[dict[str, Any]]:
    return [t.spec() for t in TOOLS.values() if t.name in allowed]


def dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) > MAX_RESULT_CHARS:
        text = json.dumps({"erreur": "Résultat trop long : demandez moins de lignes (limit)."}, ensure_ascii=False)
    return text


def refusal(name: str) -> str:
    return dumps({"erreur": f"Outil « {name[:60]} » inconnu. TRIX ne peut que lire les chiffres avec ses outils "
                            "en lecture seule ; aucune donnée n'a été modifiée. Pour modifier, utilisez l'application."})


def run_tool(name: str, arguments: str | None, figures: Figures, allowed: set[str] | None = None) -> str:
    """The JSON result of one tool call (a refusal for an unknown or not allowed tool, an error for bad
    arguments)."""
    tool = TOOLS.get(name)
    if tool is None:
        return refusal(name)
    if allowed is not None and name not in allowed:
        return dumps({"erreur": f"Ces chiffres (« {name} ») ne sont pas accessibles à ce compte : l'administrateur "
                                "les ouvre dans Paramètres › Permissions des employés."})
    try:
        args = json.loads(arguments or "{}")
    except ValueError:
        return dumps({"erreur": "Arguments illisibles : envoyez un objet JSON."})
    if not isinstance(args, dict):
        return dumps({"erreur": "Arguments : un objet JSON est attendu."})
    try:
        return dumps(tool.run(figures, args))
    except (InvalidInputError, ValueError, TypeError) as exc:
        message = exc.message if isinstance(exc, InvalidInputError) else "Arguments invalides."
        return dumps({"erreur": message})
