"""The system prompt of TRIX (``templates/trix/system.md``): the manual, today's date, nothing from the sheet.

Only values the toolkit has validated reach the system prompt: the date and time in the business's time
zone, the zone's name (a known IANA zone) and the currency's ISO code. Everything typed in the workbook —
the business's name and address included — reaches the model as *data*: the JSON result of a tool call
(``business_profile``, added at the start of every conversation, and the other tools).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from functions.templating import TEMPLATE_DIR
from functions.trix.figures import Figures
from functions.trix.tools import dumps

MANUAL = TEMPLATE_DIR.parent / "docs" / "manuel.md"
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


@lru_cache(maxsize=1)
def manual(path: Path = MANUAL) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return "(Le manuel n'est pas disponible sur ce serveur.)"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR / "trix")), autoescape=False,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=False)


def safe_zone(name: str | None) -> str:
    name = (name or "").strip()
    if not _ZONE.match(name):
        return "Africa/Lome"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "Africa/Lome"
    return name


def french_date(now: datetime) -> str:
    return f"{DAYS[now.weekday()]} {now.day} {MONTHS[now.month - 1]} {now.year}"


def system_prompt(figures: Figures) -> str:
    book = figures.book
    return _env().get_template("system.md").render(
        today=french_date(figures.now), time=figures.now.strftime("%H:%M"),
        timezone=safe_zone(book.settings.get("timezone")), currency=book.codec.currency, manual=manual())


def opening(figures: Figures) -> list[dict[str, Any]]:
    """The system message, then the business profile as the result of a ``business_profile`` call (data)."""
    call = {"id": "profil", "type": "function", "function": {"name": "business_profile", "arguments": "{}"}}
    return [
        {"role": "system", "content": system_prompt(figures)},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "profil", "content": dumps(figures.profile())},
    ]


def tool_arguments(raw: str | None) -> str:
    """Arguments as sent back in the assistant message: valid JSON even when the model's were not."""
    try:
        json.loads(raw or "{}")
        return raw or "{}"
    except ValueError:
        return "{}"
