"""TRIX errors: French messages that say what to do, an HTTP status each, never the key.

    TTRError
    ├── TrixNotConfiguredError (503)   no TRIX_API_KEY / TRIX_MODEL: how to configure one
    ├── TrixBudgetError (429)          the business's daily question budget is spent
    ├── TrixRequestTooLargeError (413) the conversation sent is too long
    └── TrixProviderError (502)        the AI provider failed (401, 429, 5xx, timeout, unreachable)
"""

from __future__ import annotations

from functions.errors import InvalidInputError, TTRError


class TrixNotConfiguredError(TTRError):
    """TRIX n'est pas configuré : aucune clé d'API. Indiquez TRIX_API_KEY (clé OpenAI, OpenRouter…), TRIX_MODEL
    (ex. gpt-4o-mini) et, pour un autre fournisseur compatible OpenAI, TRIX_BASE_URL (ex.
    https://openrouter.ai/api/v1 ou http://localhost:11434/v1 pour Ollama), puis redémarrez TTR Gestion."""

    status = 503


class TrixBudgetError(TTRError):
    """Vous avez posé toutes vos questions à TRIX pour aujourd'hui. Revenez demain, ou demandez à
    l'administrateur d'augmenter TRIX_DAILY_QUESTIONS."""

    status = 429


class TrixRequestTooLargeError(InvalidInputError):
    """Votre message est trop long pour TRIX. Raccourcissez-le ou commencez une nouvelle conversation."""

    status = 413


class TrixProviderError(TTRError):
    """Le service d'IA de TRIX n'a pas pu répondre. Réessayez dans un instant."""

    status = 502


PROVIDER_MESSAGES = {
    401: ("Le fournisseur d'IA refuse la clé de TRIX (401). Vérifiez TRIX_API_KEY (et TRIX_BASE_URL si vous "
          "n'utilisez pas OpenAI)."),
    403: "Le fournisseur d'IA refuse l'accès à ce modèle (403). Vérifiez les droits de la clé TRIX_API_KEY.",
    404: "Modèle ou adresse introuvable chez le fournisseur d'IA (404). Vérifiez TRIX_MODEL et TRIX_BASE_URL.",
    429: ("Le fournisseur d'IA est saturé ou le crédit de la clé est épuisé (429). Réessayez dans une minute ; "
          "si cela dure, vérifiez le crédit de votre compte."),
    500: "Le fournisseur d'IA a rencontré une erreur (5xx). Réessayez dans un instant.",
    "timeout": "Le fournisseur d'IA n'a pas répondu à temps. Réessayez ; si cela dure, augmentez TRIX_TIMEOUT.",
    "connection": "Impossible de joindre le fournisseur d'IA. Vérifiez la connexion Internet et TRIX_BASE_URL.",
    "other": "Le fournisseur d'IA a refusé la demande. Reformulez votre question ou réessayez plus tard.",
}


def provider_error(exc: Exception) -> TrixProviderError:
    """The French error for an ``openai`` exception; the provider's own text (which may quote the key) is dropped."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        key: int | str = "timeout"
    elif isinstance(exc, openai.APIConnectionError):
        key = "connection"
    elif isinstance(exc, openai.APIStatusError):
        code = int(exc.status_code)
        key = 500 if code >= 500 else code if code in PROVIDER_MESSAGES else "other"
    else:
        key = "other"
    err = TrixProviderError(PROVIDER_MESSAGES[key])
    err.status = 504 if key == "timeout" else 503 if key in (429, 500, "connection") else 502
    return err
