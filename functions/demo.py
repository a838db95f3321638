"""A realistic demo business, written through the same ``Business`` actions as real use.

Résidence Le Palmier, a guesthouse in Lomé (FCFA): 30 clients, about 100 reservations over the last
three months (and a few to come), their payments, cancellations and refunds, a bar stock sold through
Vente Rapide, monthly expenses, an agenda and three investment projects. The clock moves through those
months, so every row and its Journal entry carry the time they would have had.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from functions.books.opening import OpeningBalance
from functions.business import Business

FIRST = ["Kofi", "Ama", "Kodjo", "Afi", "Yao", "Akossiwa", "Komlan", "Adjoa", "Sena", "Edem", "Mawuli", "Essi",
         "Dzifa", "Koffi", "Abla", "Fatou", "Moussa", "Aïcha", "Ibrahim", "Mariam", "Jean-Baptiste", "Élodie",
         "Sékou", "Aminata", "Rodrigue", "Nafissatou", "Éric", "Grâce", "Olivier", "Béatrice"]
LAST = ["Mensah", "Agbeko", "Lawson", "Amegah", "Kpodar", "Adjovi", "Tchalla", "Diallo", "Traoré", "Koné",
        "Ouédraogo", "Sow", "d'Almeida", "Gbadoé", "Akakpo", "Dossou", "Kouassi", "Bamba", "N'Guessan", "Sylla"]
ROOMS = [("Chambre simple", 15000, 4000), ("Chambre double", 25000, 6000), ("Suite Palmier", 40000, 9000),
         ("Petit-déjeuner", 2500, 1200)]
BAR = [("Eau minérale 1,5 L", "bouteilles", 500, 300, 48, 12), ("Coca-Cola 33 cl", "canettes", 600, 400, 48, 12),
       ("Bière Flag 65 cl", "bouteilles", 800, 550, 36, 10), ("Jus de bissap", "bouteilles", 700, 350, 24, 6),
       ("Savon de toilette", "pièces", 300, 150, 30, 10), ("Papier toilette", "rouleaux", 250, 120, 40, 15),
       ("Draps (jeu)", "pièces", None, 8000, 20, 6), ("Charbon", "kg", None, 250, 60, 20)]
EXPENSES = [("Loyer", 150000, "Loyer du mois"), ("Salaires", 240000, "Salaires du personnel"),
            ("Services publics", 38000, "Facture CEET (électricité)"), ("Services publics", 12000, "Facture TdE (eau)"),
            ("Nourriture et boissons", 45000, "Courses au marché d'Adawlato"), ("Maintenance", 18000, "Plomberie"),
            ("Marketing", 10000, "Publicité Facebook"), ("Transport", 6000, "Taxi-moto livraisons")]


ADMIN, STAFF = "Afi Lawson", "Kodjo Amegah"
STAFF_PHONE = "+22890000001"
OPENING_BALANCE = 500_000  # FCFA in the drawer when the demo's books start: salaries are paid in cash


class DemoClock:
    def __init__(self, start: datetime) -> None:
        self.when = start

    def __call__(self) -> datetime:
        return self.when


def fill(biz: Business, today: datetime | None = None, seed: int = 228, progress: Callable[[str], None] | None = None
         ) -> dict[str, int]:
    """Fill an initialised, empty workbook; returns counts of what was written."""
    rnd = random.Random(seed)
    say = progress or (lambda _msg: None)
    real_now = (today or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    start = (real_now - timedelta(days=92)).replace(hour=7, minute=0, second=0)
    clock = DemoClock(start)
    saved_clock = biz.clock
    biz.clock = clock
    admin, staff = ADMIN, STAFF  # the names of their accounts: one identity each in the Journal
    counts: dict[str, int] = {}

    def at(day: float, hour: int = 9, minute: int = 0) -> None:
        clock.when = (start + timedelta(days=day)).replace(hour=hour, minute=minute) - timedelta(hours=0)

    try:
        say("Solde d'ouverture, types de chambres, stock, clients…")
        biz.submit(OpeningBalance(OPENING_BALANCE), admin)  # the drawer is not empty on day one

        for room_name, room_price, room_cost in ROOMS:
            biz.add("types", {"name": room_name, "price": room_price, "purchase_price": room_cost}, admin)
        articles: list[tuple[str, dict[str, Any]]] = []
        for name, unit, price, cost, qty, threshold in BAR:
            data = {"article": name, "unit": unit, "threshold": threshold, "purchase_price": cost,
                    "for_sale": "Oui" if price else "Non", "sale_price": price}
            sid = biz.add("stock", data, admin)["id"]
            biz.stock_adjust(sid, "Entrée", qty, admin, reason="Stock initial")
            articles.append((sid, data))
        clients: list[str] = []
        names: set[str] = set()
        while len(clients) < 30:
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            if name in names:
                continue
            names.add(name)
            phone = f"+228 9{rnd.randint(0, 9)} {rnd.randint(10, 99)} {rnd.randint(10, 99)} {rnd.randint(10, 99)}"
            at(rnd.uniform(0, 20), rnd.randint(8, 18))
            clients.append(biz.add("clients", {"name": name, "phone": phone,
                                               "notes": rnd.choice(["", "", "Client fidèle", "Entreprise",
                                                                    "Préfère Mobile Money"])}, admin)["id"])
        counts["clients"] = len(clients)

        say("Réservations et paiements…")
        # Every dated action is queued, then run in date order: the Caisse rows are appended in the order of
        # their dates, so the running « Solde caisse » reads down the sheet without jumps.
        events: list[tuple[datetime, int, Callable[[], Any]]] = []

        def moment(day: float, hour: int = 9, minute: int = 0) -> datetime:
            return (start + timedelta(days=day)).replace(hour=hour, minute=minute)

        def later(when: datetime, fn: Callable[[], Any]) -> None:
            events.append((when, len(events), fn))

        reservations = 0
        for i in range(100):
            day = 1 + i * 0.92 + rnd.uniform(0, 0.8)
            made = moment(day - rnd.uniform(0.5, 5) if day > 6 else day, rnd.randint(8, 20), rnd.randint(0, 59))
            room, price, _ = rnd.choice(ROOMS[:3])
            nights = rnd.choice([1, 1, 2, 2, 3, 4, 7])
            begin = (start + timedelta(days=day)).date()
            lines: list[dict[str, Any]] = [{"article": room, "quantity": nights, "unit_price": price}]
            if rnd.random() < 0.4:
                lines.append({"article": "Petit-déjeuner", "quantity": nights, "unit_price": 2500})
            total = sum(line["quantity"] * line["unit_price"] for line in lines)
            deposit = rnd.choice([0, total // 2, total // 2, total]) if rnd.random() < 0.8 else 0
            booked: dict[str, Any] = {}
            data = {"client_id": rnd.choice(clients), "type": room, "start": begin,
                    "end": begin + timedelta(days=nights), "status": "Confirmée"}
            who, method = rnd.choice([admin, staff]), rnd.choice(["Espèces", "Mobile Money", "Mobile Money", "Carte"])

            def book(d: dict[str, Any], w: str, ln: list[dict[str, Any]], dep: int, b: dict[str, Any], m: str) -> None:
                b.update(biz.add_prestation(d, w, lines=ln, paid_now=dep or None, method=m))

            later(made, partial(book, data, who, lines, deposit, booked, method))
            reservations += 1
            end_day = day + nights
            if (start + timedelta(days=end_day)) > real_now:
                continue  # still to come
            if rnd.random() < 0.08:
                def cancel(b: dict[str, Any] = booked, dep: int = deposit) -> None:
                    biz.set_status(b["id"], "Annulée", admin)
                    if dep:
                        biz.refund(dep, admin, prestation_id=b["id"], reason="Annulation par le client")

                later(max(moment(day - 0.2, 10), made + timedelta(hours=1)), cancel)
                continue
            rest = total - deposit
            pay = rest and rnd.random() < 0.85
            pay_method = rnd.choice(["Espèces", "Mobile Money"]) if pay else ""
            status = "Terminée" if rnd.random() < 0.7 else "Effectuée"

            def finish(b: dict[str, Any] = booked, amount: int = rest if pay else 0, m: str = pay_method,
                       st: str = status) -> None:
                if amount:
                    biz.record_payment(amount, staff, prestation_id=b["id"], method=m)
                biz.set_status(b["id"], st, staff)

            later(moment(end_day, 11, rnd.randint(0, 59)), finish)
        counts["prestations"] = reservations

        sellable = [(sid, d) for sid, d in articles if d["for_sale"] == "Oui"]
        sold = [0]
        for day in range(2, 92, 1):
            if (start + timedelta(days=day)) > real_now:
                break
            if (start + timedelta(days=day)).day == 5:
                for category, amount, label in EXPENSES:
                    value = amount + rnd.randint(-3, 3) * 1000 if category != "Loyer" else amount
                    later(moment(day, 10, rnd.randint(0, 59)), partial(
                        biz.expense, value, category, admin, description=label,
                        method="Mobile Money" if category == "Loyer" else "Espèces"))
                for sid, d in articles:
                    later(moment(day, 8), partial(biz.stock_adjust, sid, "Entrée", 24 if d["unit"] != "kg" else 40,
                                                  admin, reason="Réapprovisionnement"))
            if rnd.random() < 0.75:
                sid, _ = rnd.choice(sellable)

                def sell(a: str, q: int, m: str) -> None:
                    try:
                        biz.quick_sale([(a, q)], staff, method=m)
                        sold[0] += 1
                    except Exception:  # noqa: BLE001 - out of stock: a real cashier would sell something else
                        pass

                when = moment(day, rnd.randint(12, 22), rnd.randint(0, 59))
                later(when, partial(sell, sid, rnd.choice([1, 1, 2, 3]), rnd.choice(["Espèces", "Mobile Money"])))
            if day % 9 == 0:
                later(moment(day, 15), partial(biz.revenue, rnd.choice([5000, 10000, 15000]), admin,
                                               description="Location de la salle de réunion"))
        say("Ventes rapides, dépenses, réapprovisionnement…")
        for when, _, fn in sorted(events, key=lambda e: (e[0], e[1])):
            clock.when = when
            fn()
        counts["ventes"] = sold[0]
        clock.when = real_now - timedelta(hours=2)
        for _ in range(2):  # guests arriving today
            today_local = biz.now().date()
            room, price, _ = rnd.choice(ROOMS[:3])
            biz.add_prestation({"client_id": rnd.choice(clients), "type": room, "start": today_local,
                                "end": today_local + timedelta(days=2), "status": "Confirmée"}, admin,
                               lines=[{"article": room, "quantity": 2, "unit_price": price}])
            counts["prestations"] += 1
        juice = next(sid for sid, d in articles if d["article"] == "Jus de bissap")
        found = biz.load().find("stock", juice)
        left = found["quantity"] if found is not None else 0
        if left > 3:
            biz.stock_adjust(juice, "Sortie", left - 3, staff, reason="Servi au petit-déjeuner")

        say("Agenda et investissements…")
        at(91, 18) if (start + timedelta(days=91)) <= real_now else None
        clock.when = real_now - timedelta(hours=1)
        today_local = biz.now().date()
        agenda = [("Payer la facture CEET", 2, "Paiement", "1 jour avant"), ("Livraison de boissons (Brasserie BB)", 1,
                  "Livraison", "Le jour même"), ("Réunion avec le comptable", 5, "Rendez-vous", "1 jour avant"),
                  ("Nettoyage de la citerne", 10, "Tâche", "3 jours avant"), ("Renouveler l'assurance", 20,
                  "Paiement", "1 semaine avant"), ("Inventaire du bar", 0, "Tâche", "Le jour même"),
                  ("Appeler le plombier", -2, "Tâche", "Aucun"), ("Salon du tourisme de Lomé", 30, "Rendez-vous",
                  "1 semaine avant")]
        for title, offset, kind, reminder in agenda:
            biz.add("agenda", {"title": title, "date": today_local + timedelta(days=offset), "time": "09:00",
                               "type": kind, "reminder": reminder, "for": admin,
                               "status": "Fait" if offset < 0 else "À faire"}, admin)
        for project, desc, initial, ret, months, risk, status in [
            ("Panneaux solaires", "Réduire la facture CEET de 40 %", 2500000, 3400000, 36, "Faible", "Planification"),
            ("Rénovation de la façade", "Attirer plus de clients de passage", 1200000, 1500000, 24, "Moyen", "Actif"),
            ("Navette aéroport", "Minibus pour les clients de l'aéroport", 9000000, 12600000, 48, "Élevé", "En attente"),
        ]:
            biz.add("investments", {"project": project, "description": desc, "initial": initial,
                                    "expected_return": ret, "months": months, "risk": risk, "status": status}, admin)
        counts["agenda"] = len(agenda)
        counts["investissements"] = 3
        counts["employés"] = team(biz)
    finally:
        biz.clock = saved_clock
    return counts


def team(biz: Business) -> int:
    """The demo's employee as an account (phone login), mirrored in Équipe: every user who acted is listed.
    Returns how many accounts were made (0 when it exists already). The admin account is made by ``ttr demo``."""
    import secrets

    from functions.accounts import team as mirror
    from functions.accounts import users
    from functions.accounts.workspaces import DEFAULT
    from functions.errors import TTRError

    when = users.Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
    try:
        user = users.create(biz.state, name=STAFF, phone=STAFF_PHONE, password=secrets.token_urlsafe(12), when=when,
                            workspace=DEFAULT, role="employee")
    except TTRError:
        return 0  # already there (a demo filled again)
    mirror.mirror_user(biz, users.public(user, DEFAULT), ADMIN)
    return 1
