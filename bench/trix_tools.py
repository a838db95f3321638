"""Figures of TRIX: each tool on a large workbook, the system prompt's size, and one question end to end
(one tool round) through the ``openai`` SDK against the local fake provider.

Run: ``python bench/trix_tools.py [rows]`` (default 10 000 Caisse rows) — prints medians in milliseconds.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.measure import median_ms as _median_ms  # noqa: E402
from functions.business import Business  # noqa: E402
from functions.state.memory import MemoryStateStore  # noqa: E402
from functions.store.backend import MemoryBackend  # noqa: E402
from functions.store.workbook import Change, Workbook  # noqa: E402
from functions.trix.chat import answer_text, ask  # noqa: E402
from functions.trix.config import TrixSettings  # noqa: E402
from functions.trix.figures import TABS, Figures  # noqa: E402
from functions.trix.prompt import opening  # noqa: E402
from functions.trix.tools import TOOLS, run_tool  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI, Turn  # noqa: E402


def median_ms(fn, n: int = 9) -> float:
    return _median_ms(fn, n)


def build(rows: int) -> Business:
    rnd = random.Random(7)
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=lambda: now)
    biz.init({"business_name": "Bench", "currency": "XOF"})
    book = biz.load()
    start = datetime(2025, 1, 1)
    clients = [{"id": f"C{i:06d}", "name": f"Client {i}", "phone": f"+2289{i:07d}"} for i in range(rows // 10)]
    stock = [{"id": f"S{i:04d}", "article": f"Article {i}", "threshold": Decimal(5), "for_sale": "Oui",
              "sale_price": Decimal(500 + i), "purchase_price": Decimal(300)} for i in range(200)]
    prest = [{"id": f"P{i:06d}", "number": f"{i:05d}", "client": f"Client {i % len(clients)}",
              "client_id": clients[i % len(clients)]["id"], "type": rnd.choice(["Simple", "Double", "Suite"]),
              "start": (start + timedelta(days=i % 440)).date(), "status": "Confirmée",
              "total": Decimal(rnd.randrange(10, 100) * 1000)} for i in range(rows // 5)]
    caisse = [{"id": f"K{i:06d}", "date": start + timedelta(minutes=63 * i),
               "type": rnd.choice(["Encaissement", "Vente", "Revenu", "Dépense"]), "category": rnd.choice(["A", "B", "C"]),
               "amount": Decimal(rnd.randrange(1, 50) * 500), "prestation_id": prest[i % len(prest)]["id"]}
              for i in range(rows)]
    moves = [{"id": f"M{i:06d}", "date": start + timedelta(hours=i), "article_id": stock[i % 200]["id"],
              "quantity": Decimal(rnd.choice([10, -1, -2])), "reason": "Entrée"} for i in range(rows)]
    change = Change(appends=[("clients", c) for c in clients] + [("stock", s) for s in stock]
                    + [("prestations", p) for p in prest] + [("caisse", c) for c in caisse]
                    + [("movements", m) for m in moves])
    biz.workbook.backend.write(biz.workbook.ops(change, book))
    return biz


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    biz = build(rows)
    print(f"workbook: {rows} Caisse rows, {rows} Mouvements, {rows // 5} prestations, {rows // 10} clients")
    print(f"load (TRIX tabs)         : {median_ms(lambda: biz.load(TABS), 5):8.1f} ms")
    book = biz.load(TABS)
    for name in TOOLS:
        args = {"query": "client 12"} if name == "find_clients" else {"message": "Bonjour"} if name == "whatsapp_link" else {}
        def once(name=name, args=args) -> None:
            run_tool(name, json.dumps(args), Figures(book, biz.now()))  # fresh caches: the first call of a question
        print(f"tool {name:20s}: {median_ms(once):8.1f} ms")
    prompt = opening(Figures(book, biz.now()))[0]["content"]
    print(f"system prompt            : {len(prompt)} characters (~{len(prompt) // 4} tokens)")
    fake = FakeOpenAI().start()
    try:
        settings = TrixSettings(api_key="sk-bench", base_url=fake.base_url, model="m", timeout=10, max_retries=0,
                                daily_questions=10**6)

        def question() -> None:
            fake.script(Turn(tool_calls=[("kpis", {})]), Turn(content="Réponse " * 40))
            answer_text(ask(biz, [{"role": "user", "content": "Mes ventes ?"}], settings))

        print(f"question, 1 tool round   : {median_ms(question, 5):8.1f} ms (load + 2 provider calls on localhost)")
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
