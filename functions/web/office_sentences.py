"""Journal entries told as sentences, for « Activité récente »: « Afi a encaissé 20 000 FCFA — réservation 00103 ».

``say`` gets an entry's new (and old) values already formatted (``office_journal.readable``); it picks the
words by the tab and the action, and falls back to « Afi : ajout — Stock » for anything it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from functions.store.workbook import Book, Record
from functions.templating import SINGULAR

#: A link inside a Journal text (a reminder's wa.me link, hundreds of characters): the sentence leaves it out.
_LINK = re.compile(r"\s*:?\s*https?://\S+")
#: The number a reminder went to, as the reminders write it (digits of E.164 without the « + »).
_NUMBER = re.compile(r"(?<![\d+])(\d{9,15})(?!\d)")
MOVES = {"Entrée": "une entrée", "Sortie": "une sortie", "Perte": "une perte", "Inventaire": "un inventaire",
         "Vente": "une vente"}


def who(entry: Record) -> str:
    """The actor's first name (« Afi Lawson (admin) » → « Afi »); « Le système » for the toolkit itself."""
    actor = str(entry["actor"] or "").strip()
    if not actor or actor.lower() in ("système", "systeme"):
        return "Le système"
    first = "Quelqu'un" if actor.lower() == "inconnu" else actor.split()[0]  # an edit Drive names no one for
    return f"{first} (dans la feuille)" if entry["source"] == "feuille" else first


def reminder(book: Book, entry: Record) -> str:
    """A reminder's Journal text as people read it: « Lien WhatsApp prêt à envoyer à 22 21 00 00 : Résumé du
    mardi … », without its wa.me link (hundreds of characters; the sheet and the CSV export keep it)."""
    from functions.phones import national

    text = _LINK.sub("", str(entry["changes"] or "")).strip()
    return _NUMBER.sub(lambda m: national("+" + m.group(1), book.settings.get("country", "")), text)


def prestation_name(book: Book, pid: str | None) -> str:
    """« réservation 00103 » for a prestation id; "" when it is not found."""
    if not pid:
        return ""
    row = book.find("prestations", pid)
    if row is None:
        return ""
    return f"{SINGULAR.get(book.title('prestations'), ('la', 'prestation', ''))[1]} {row['number'] or row.id}"


def client_name(book: Book, cid: str | None) -> str:
    row = book.find("clients", cid) if cid else None
    return str(row["name"]) if row is not None else ""


def say(book: Book, entry: Record, new: Mapping[str, str], old: Mapping[str, str]) -> str:
    person, action = who(entry), str(entry["action"] or "")
    tab = str(entry["tab"] or "")
    rid = str(entry["row"] or "")
    titles = {key: book.title(key) for key in book.tabs}
    if action.startswith("rappel"):
        return f"{person} : {action} — {reminder(book, entry)}"
    if tab == titles.get("caisse"):
        return _cash(book, person, action, new)
    if tab == titles.get("prestations"):
        article, noun, _ = SINGULAR.get(tab, ("la", "prestation", ""))
        row = book.find("prestations", rid) if rid else None
        number = new.get("N°") or (row["number"] if row is not None else "") or rid
        if action == "ajout":
            client = f" pour {new['Client']}" if new.get("Client") else ""
            total = f" ({new['Montant total']})" if new.get("Montant total") else ""
            return f"{person} a créé {article} {noun} {number}{client}{total}"
        if action == "statut" and new.get("Statut"):
            return f"{person} a passé {article} {noun} {number} à « {new['Statut']} »"
        return f"{person} a modifié {article} {noun} {number}" + _fields(new)
    if tab == titles.get("clients"):
        name = new.get("Nom") or client_name(book, rid) or rid
        return f"{person} a {'ajouté' if action == 'ajout' else 'modifié'} le client {name}" + (
            "" if action == "ajout" else _fields(new))
    if tab == titles.get("stock"):
        item = book.find("stock", rid) if rid and not new.get("Article") else None
        name = new.get("Article") or (str(item["article"]) if item is not None else rid)
        return f"{person} a {'ajouté' if action == 'ajout' else 'modifié'} l'article {name}" + (
            "" if action == "ajout" else _fields(new))
    if tab == titles.get("movements") and new.get("Article"):
        what = MOVES.get(new.get("Motif", ""), "un mouvement")
        return f"{person} a noté {what} de stock : {new.get('Quantité', '?')} × {new['Article']}"
    if tab == titles.get("agenda"):
        title = new.get("Titre") or rid
        if action == "ajout":
            when = f" le {new['Date']}" if new.get("Date") else ""
            hour = f" à {new['Heure']}" if new.get("Heure") else ""
            return f"{person} a planifié « {title} »{when}{hour}"
        if new.get("Statut") in ("Fait", "Annulé"):
            return f"{person} a marqué une tâche de l'agenda « {new['Statut'].lower()} »"
        return f"{person} a modifié l'agenda" + _fields(new)
    if tab == titles.get("investments"):
        name = new.get("Projet") or rid
        if action == "ajout":
            amount = f" ({new['Montant initial']})" if new.get("Montant initial") else ""
            return f"{person} a ajouté le projet « {name} »{amount}"
        return f"{person} a modifié un projet d'investissement" + _fields(new)
    if tab == titles.get("types") and new.get("Nom"):
        price = f" ({new['Prix']})" if new.get("Prix") else ""
        return f"{person} a {'ajouté' if action == 'ajout' else 'modifié'} le type « {new['Nom']} »{price}"
    if tab == titles.get("team"):
        name = new.get("Nom") or rid
        if action == "ajout":
            role = f" ({new['Rôle'].lower()})" if new.get("Rôle") else ""
            return f"{person} a ajouté {name} à l'équipe{role}"
        if new.get("Actif") in ("Oui", "Non"):
            return f"{person} a {'réactivé' if new['Actif'] == 'Oui' else 'désactivé'} un compte de l'équipe"
        return f"{person} a modifié l'équipe" + _fields(new)
    if tab == titles.get("journal"):
        return "Point de contrôle du Journal"
    return f"{person} : {action} — {tab}" + _fields(new)


def _cash(book: Book, person: str, action: str, new: Mapping[str, str]) -> str:
    kind, amount = new.get("Type", ""), new.get("Montant", "")
    about = prestation_name(book, new.get("Prestation ID")) or client_name(book, new.get("Client ID"))
    tail = f" — {about}" if about else ""
    if action == "avoir" or new.get("Mise en avoir"):
        return f"{person} a mis en avoir {new.get('Mise en avoir', '')}".rstrip()
    if action == "affectation" or new.get("Affectation"):
        return f"{person} a affecté un avoir : {new.get('Affectation', '')}".rstrip()
    if kind == "Encaissement":
        return f"{person} a encaissé {amount}{tail}"
    if kind == "Vente":
        what = new.get("Description", "").removeprefix("Vente rapide : ")
        return f"{person} a vendu {what} pour {amount}" if what else f"{person} a vendu pour {amount}"
    if kind == "Dépense":
        category = f" ({new['Catégorie']})" if new.get("Catégorie") else ""
        return f"{person} a noté une dépense de {amount}{category}"
    if kind == "Revenu":
        what = f" — {new['Description']}" if new.get("Description") else ""
        return f"{person} a noté un revenu de {amount}{what}"
    if kind == "Remboursement":
        return f"{person} a remboursé {amount}{tail}"
    return f"{person} a modifié la caisse" + _fields(new)


def _fields(new: Mapping[str, str]) -> str:
    """« (Statut : Terminée ; Montant : 25 000 FCFA) » for a modification, the first three fields."""
    parts = [f"{k} : {v}" for k, v in new.items() if k not in ("Créé le", "Créé par", "Date")][:3]
    return f" ({' ; '.join(parts)})" if parts else ""
