"""TRIX's Markdown answers as safe HTML: raw HTML is escaped, links only to http(s), mailto and tel."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup

SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")


@lru_cache(maxsize=1)
def _md() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.validateLink = lambda url: url.strip().lower().startswith(SAFE_SCHEMES)  # type: ignore[method-assign]

    def link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", "noopener noreferrer")
        tokens[idx].attrSet("target", "_blank")
        return str(renderer.renderToken(tokens, idx, options, env))

    md.add_render_rule("link_open", link_open)
    return md


def markdown(text: str) -> Markup:
    """HTML for ``text``: Markdown formatting kept, any HTML tag shown as text."""
    return Markup(_md().render(text or ""))
