"""French message texts (``templates/reminders/<rule>.txt``), WhatsApp template parameters and wa.me links.

A template's first line is the email subject (``Objet : …``); the rest is the message. The WhatsApp Cloud
API only sends approved templates outside the 24-hour window, so each rule also has an ordered list of
body parameters (``PARAMS``) matching the approved template described in ``templates/reminders/whatsapp.md``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import jinja2

from functions.reminders.rules import AGENDA, STOCK, SUMMARY, UNPAID
from functions.templating import TEMPLATE_DIR, install_filters

#: Ordered body parameters ({{1}}, {{2}}, …) of each approved WhatsApp template.
PARAMS: dict[str, tuple[str, ...]] = {
    AGENDA: ("title", "when", "date", "hour", "business"),
    STOCK: ("count", "items", "business"),
    UNPAID: ("client", "balance", "reference", "business"),
    SUMMARY: ("date", "sales", "cash", "arrivals", "agenda"),
}
PARAM_LIMIT = 1000  # the Cloud API refuses long parameters; keep each well under its limit


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR / "reminders")), autoescape=False,
                             keep_trailing_newline=False, undefined=jinja2.StrictUndefined)
    install_filters(env)
    return env


def render(rule: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, text) of the message of ``rule``."""
    out = _env().get_template(f"{rule}.txt").render(**context).strip()
    first, _, rest = out.partition("\n")
    subject = first.removeprefix("Objet :").strip()
    text = re.sub(r"\n{3,}", "\n\n", rest.strip())
    return subject, text


def param_text(value: Any) -> str:
    """One template parameter: no new lines, tabs or runs of spaces (the API refuses them), never empty."""
    if isinstance(value, (list, tuple)):
        value = " ; ".join(str(v) for v in value) if value else "aucun"
    text = re.sub(r"\s+", " ", str(value if value not in (None, "") else "-")).strip()
    return text if len(text) <= PARAM_LIMIT else text[: PARAM_LIMIT - 1] + "…"


def params(rule: str, context: dict[str, Any]) -> list[str]:
    return [param_text(context.get(name)) for name in PARAMS[rule]]


def wa_link(phone: str, text: str) -> str:
    """A wa.me link that opens WhatsApp with ``text`` ready to send (to ``phone``, or a contact to choose)."""
    return f"https://wa.me/{phone}?text={quote(text, safe='')}"
