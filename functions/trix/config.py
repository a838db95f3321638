"""TRIX settings from the environment, and the ``openai`` client built from them (imported only when used).

Any OpenAI-compatible provider works: OpenAI (default base URL), OpenRouter, a local Ollama
(``http://localhost:11434/v1``). Every call has an explicit timeout and a bounded number of retries.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from functions.errors import InvalidInputError
from functions.trix.errors import TrixNotConfiguredError

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_IMAGE_MODEL = "gpt-image-1"



def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInputError(f"{name} doit être un nombre entier (reçu « {raw[:20]} »).") from None
    if not low <= value <= high:
        raise InvalidInputError(f"{name} doit être entre {low} et {high} (reçu {value}).")
    return value


@dataclass(frozen=True)
class TrixSettings:
    api_key: str = ""
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    image_model: str = DEFAULT_IMAGE_MODEL
    timeout: float = 60.0
    max_retries: int = 2
    daily_questions: int = 50
    max_request_chars: int = 12000
    history_tokens: int = 3000
    max_rounds: int = 4  # tool-calling rounds before the model must answer
    image_dir: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TrixSettings:
        env = os.environ if environ is None else environ
        return cls(
            api_key=(env.get("TRIX_API_KEY") or "").strip(),
            base_url=(env.get("TRIX_BASE_URL") or "").strip().rstrip("/") or None,
            model=(env.get("TRIX_MODEL") or "").strip() or DEFAULT_MODEL,
            image_model=(env.get("TRIX_IMAGE_MODEL") or "").strip() or DEFAULT_IMAGE_MODEL,
            timeout=float(_int(env, "TRIX_TIMEOUT", 60, 1, 600)),
            max_retries=_int(env, "TRIX_MAX_RETRIES", 2, 0, 5),
            daily_questions=_int(env, "TRIX_DAILY_QUESTIONS", 50, 0, 100000),
            max_request_chars=_int(env, "TRIX_MAX_REQUEST_CHARS", 12000, 200, 1000000),
            history_tokens=_int(env, "TRIX_HISTORY_TOKENS", 3000, 100, 1000000),
            image_dir=(env.get("TRIX_IMAGE_DIR") or "").strip(),
        )

    def __repr__(self) -> str:  # the key never reaches a log through a repr
        return (f"TrixSettings(base_url={self.base_url!r}, model={self.model!r}, image_model={self.image_model!r}, "
                f"api_key={'***' if self.api_key else ''!r})")

    __str__ = __repr__

    def require_key(self) -> None:
        if not self.api_key:
            raise TrixNotConfiguredError()

    def client(self) -> Any:
        """An ``openai.OpenAI`` client with this provider, timeout and retry bound (imports openai now)."""
        self.require_key()
        import openai

        return openai.OpenAI(api_key=self.api_key, base_url=self.base_url, timeout=self.timeout,
                             max_retries=self.max_retries)
