"""One question to TRIX: guardrails, the tool-calling loop, and the streamed answer.

``ask(biz, messages, settings)`` checks everything that can be refused *before* anything streams (a key is
configured, the conversation is not too long, the business's daily budget is not spent) and returns an
iterator of ``Event``: ``text`` pieces of the answer as the provider streams them, ``tool`` when a tool runs,
and a final ``done`` (with the wa.me links drafted). The model may call read-only tools for a bounded number
of rounds; their results go back as ``tool`` messages (JSON data), never into the system prompt.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from functions.business import Business
from functions.errors import InvalidInputError
from functions.trix.config import TrixSettings
from functions.trix.errors import TrixBudgetError, TrixRequestTooLargeError, provider_error
from functions.trix.figures import TABS, for_business
from functions.trix.prompt import opening, tool_arguments
from functions.trix.tools import SPECS, run_tool, specs_for

log = logging.getLogger(__name__)

MAX_MESSAGES = 60
CHARS_PER_TOKEN = 4  # no tokenizer download at runtime: about 4 characters per token in French text
MESSAGE_OVERHEAD = 4
UNFINISHED = ("\n\nJe n'ai pas pu terminer l'analyse en un nombre raisonnable d'étapes. Posez une question "
              "plus précise (une période, un client, un article).")


@dataclass
class Event:
    kind: str  # "text", "tool", "done"
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)


# -- guardrails ------------------------------------------------------------------------------------------------
def check_request(messages: Any, settings: TrixSettings) -> list[dict[str, str]]:
    """The conversation as the client sent it, validated: user/assistant text only, the last from the user."""
    if not isinstance(messages, list) or not messages:
        raise InvalidInputError("Envoyez la conversation : une liste « messages » avec au moins une question.")
    if len(messages) > MAX_MESSAGES:
        raise TrixRequestTooLargeError()
    out: list[dict[str, str]] = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant") or not isinstance(m.get("content"), str):
            raise InvalidInputError("Chaque message doit avoir un rôle « user » ou « assistant » et un texte.")
        out.append({"role": m["role"], "content": m["content"]})
    if sum(len(m["content"]) for m in out) > settings.max_request_chars:
        raise TrixRequestTooLargeError()
    if out[-1]["role"] != "user" or not out[-1]["content"].strip():
        raise InvalidInputError("Le dernier message doit être votre question.")
    return out


def tokens(message: dict[str, Any]) -> int:
    text = str(message.get("content") or "")
    return -(-len(text) // CHARS_PER_TOKEN) + MESSAGE_OVERHEAD


def trim_history(messages: Sequence[dict[str, str]], budget: int) -> list[dict[str, str]]:
    """The most recent messages that fit in ``budget`` tokens (the question always stays), starting with a
    question from the user."""
    kept: list[dict[str, str]] = [messages[-1]]
    used = tokens(messages[-1])
    for m in reversed(messages[:-1]):
        used += tokens(m)
        if used > budget:
            break
        kept.append(m)
    kept.reverse()
    while len(kept) > 1 and kept[0]["role"] != "user":
        kept.pop(0)
    return kept


def business_key(biz: Business) -> str:
    backend = biz.workbook.backend
    ident = getattr(backend, "path", None) or getattr(backend, "spreadsheet_id", None) or f"memory-{id(backend)}"
    return hashlib.sha256(str(ident).encode()).hexdigest()[:20]


def charge_budget(biz: Business, settings: TrixSettings) -> int:
    """Count one question for today (the business's local date); refused beyond ``daily_questions``."""
    key = f"{business_key(biz)}.{biz.now().date().isoformat()}"
    doc = biz.state.update("trix_budget", key, lambda cur: {"n": int((cur or {}).get("n", 0)) + 1})
    count = int((doc or {}).get("n", 0))
    if count > settings.daily_questions:
        log.info("TRIX : budget quotidien atteint (%d questions).", settings.daily_questions)
        raise TrixBudgetError()
    return count


# -- the conversation ------------------------------------------------------------------------------------------
def ask(biz: Business, messages: Any, settings: TrixSettings, *, client: Any = None,
        allowed: set[str] | None = None) -> Iterator[Event]:
    """Check the request and charge the budget now; the returned iterator calls the provider."""
    settings.require_key()
    history = trim_history(check_request(messages, settings), settings.history_tokens)
    charge_budget(biz, settings)
    return _answer(biz, history, settings, client, allowed)


def _answer(biz: Business, history: list[dict[str, str]], settings: TrixSettings, client: Any,
            allowed: set[str] | None = None) -> Iterator[Event]:
    import openai

    book = biz.load(TABS)
    figures = for_business(biz, book)  # a period over a closed year reads its archive
    convo: list[dict[str, Any]] = [*opening(figures), *history]
    client = client or settings.client()
    for round_ in range(settings.max_rounds + 1):
        last = round_ == settings.max_rounds
        kwargs: dict[str, Any] = {"model": settings.model, "messages": convo, "stream": True}
        if not last:
            kwargs.update(tools=SPECS if allowed is None else specs_for(allowed), tool_choice="auto")
        content: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        try:
            for chunk in client.chat.completions.create(**kwargs):
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta
                if delta.content:
                    content.append(delta.content)
                    yield Event("text", delta.content)
                for tc in delta.tool_calls or []:
                    slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
        except openai.OpenAIError as exc:
            log.warning("TRIX : erreur du fournisseur (%s).", type(exc).__name__)
            raise provider_error(exc) from None
        if not calls:
            break
        if last:
            yield Event("text", UNFINISHED)
            break
        ordered = [calls[i] for i in sorted(calls)]
        for n, c in enumerate(ordered):
            c["id"] = c["id"] or f"call_{round_}_{n}"
        convo.append({"role": "assistant", "content": "".join(content) or None, "tool_calls": [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": tool_arguments(c["arguments"])}}
            for c in ordered]})
        for c in ordered:
            log.info("TRIX : outil %s", c["name"][:60])
            yield Event("tool", c["name"][:60])
            convo.append({"role": "tool", "tool_call_id": c["id"], "content": run_tool(c["name"], c["arguments"], figures, allowed)})
    yield Event("done", data={"liens": list(figures.links)})


def answer_text(events: Iterator[Event]) -> tuple[str, dict[str, Any]]:
    """The whole answer and the final data (for the CLI and non-streaming callers)."""
    parts: list[str] = []
    data: dict[str, Any] = {}
    for e in events:
        if e.kind == "text":
            parts.append(e.text)
        elif e.kind == "done":
            data = e.data
    return "".join(parts), data
