"""Settings from the environment, each with a safe embedded default (the README's settings table).

``open_business()`` opens the workbook named by ``TTR_WORKBOOK`` (a local ``.xlsx`` path, or a Google
Sheets URL or id) and the state store named by ``TTR_STATE`` (a SQLite path, or ``firestore``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from functions.business import Business
from functions.errors import InvalidInputError
from functions.state.base import StateStore
from functions.store.backend import Backend

DEFAULT_WORKBOOK = "./ttr.xlsx"
DEFAULT_STATE = "./ttr.state.sqlite"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"

#: (variable, default, meaning) — rendered in the README; keep in step with it (a test checks).
SETTINGS_TABLE: list[tuple[str, str, str]] = [
    ("TTR_WORKBOOK", DEFAULT_WORKBOOK, "Classeur : chemin d'un fichier .xlsx, ou URL / ID d'une Google Sheet"),
    ("TTR_STATE", DEFAULT_STATE, "État privé : chemin SQLite, ou `firestore` / `firestore:<projet>`"),
    ("TTR_SECRET_KEY", "(généré dans l'état au premier lancement local)", "Clé secrète des sessions et liens ; obligatoire dans le cloud"),
    ("TTR_PUBLIC_URL", "(l'adresse servie par `ttr serve` / `ttr demo`, sinon http://127.0.0.1:8080)", "Adresse publique de base des liens partagés (reçus, relevés, invitations) ; un lien écrit n'est jamais réécrit"),
    ("TTR_SYNC_TOKEN", "(généré dans l'état, affiché par `ttr serve --jetons`)", "Jeton partagé qui autorise l'appel HTTP de synchronisation"),
    ("GOOGLE_APPLICATION_CREDENTIALS", "(identifiants par défaut)", "Compte de service Google pour Sheets et Drive"),
    ("TTR_SHEETS_API_URL", "(Google)", "Adresse de l'API Google Sheets (et Drive) : un faux serveur local (`python -m tests.fakes.sheets_api`) ou un émulateur ; identifiants anonymes alors"),
    ("GOOGLE_CLOUD_PROJECT", "(aucun)", "Projet Google Cloud (Firestore)"),
    ("TRIX_API_KEY", "(aucun)", "Clé du fournisseur compatible OpenAI pour TRIX ; sans clé, TRIX explique comment la configurer"),
    ("TRIX_BASE_URL", "(OpenAI)", "Adresse du fournisseur compatible OpenAI (OpenRouter, Ollama `http://localhost:11434/v1`…)"),
    ("TRIX_MODEL", "gpt-4o-mini", "Modèle de conversation de TRIX"),
    ("TRIX_IMAGE_MODEL", "gpt-image-1", "Modèle d'images de produits"),
    ("TRIX_TIMEOUT", "60", "Délai maximal (secondes) d'un appel au fournisseur d'IA"),
    ("TRIX_MAX_RETRIES", "2", "Nouvelles tentatives au plus après une erreur passagère du fournisseur"),
    ("TRIX_DAILY_QUESTIONS", "50", "Questions à TRIX par entreprise et par jour"),
    ("TRIX_MAX_REQUEST_CHARS", "12000", "Taille maximale (caractères) d'une conversation envoyée à TRIX"),
    ("TRIX_HISTORY_TOKENS", "3000", "Budget (jetons, estimés) de l'historique de conversation transmis au modèle"),
    ("TRIX_IMAGE_DIR", "(dossier `<classeur>-images` à côté du classeur)", "Dossier des images de produits générées (sans TRIX_IMAGE_BUCKET)"),
    ("TRIX_IMAGE_BUCKET", "(aucun ; `<projet>-ttr-images` avec deploy.sh)", "Bucket Cloud Storage privé des images de produits ; prioritaire sur TRIX_IMAGE_DIR ; les images sont servies par l'app (`/trix/images/…`), le bucket n'a pas à être public"),
    ("TRIX_STORAGE_URL", "https://storage.googleapis.com", "Adresse de l'API Cloud Storage (à changer seulement pour les tests ou un émulateur)"),
    ("ABT_URL", "(aucun)", "Serveur TTR Ambassadeur pour les codes promo"),
    ("TTR_API_KEY", "(aucun)", "Clé API envoyée à ABT par le proxy"),
    ("TTR_ALLOWED_ORIGINS", "(aucune)", "Origines autorisées (CORS) du proxy promo, séparées par des virgules"),
    ("WHATSAPP_TOKEN", "(aucun)", "Jeton de l'API WhatsApp Cloud"),
    ("WHATSAPP_PHONE_NUMBER_ID", "(aucun)", "Identifiant du numéro WhatsApp Business"),
    ("SMTP_URL", "(aucun)", "Serveur d'email, ex. smtps://user:mdp@smtp.exemple.com:465"),
    ("SMTP_FROM", "(utilisateur SMTP)", "Adresse d'expéditeur des emails de rappel"),
    ("WHATSAPP_API_URL", "https://graph.facebook.com/v21.0", "Adresse de l'API WhatsApp Cloud (version comprise)"),
    ("TTR_REMINDER_TOKEN", "(généré dans l'état, affiché par `ttr serve --jetons`)", "Jeton partagé qui autorise l'appel HTTP des rappels"),
    ("TTR_REMINDER_INVOKER", "(aucun)", "Compte de service de Cloud Scheduler accepté (jeton OIDC signé par Google, vérifié : signature, émetteur, audience, expiration) pour l'appel HTTP des rappels ; sans lui, aucun jeton OIDC n'est accepté"),
    ("TTR_REMINDER_AUDIENCE", "(l'adresse appelée)", "Audience attendue du jeton OIDC des rappels (plusieurs séparées par des virgules)"),
    ("CLOUDFLARE_PROXY_URL", "(aucun)", "Proxy externe des codes promo appelé par le serveur (à la place d'ABT_URL)"),
    ("NEXT_PUBLIC_CLOUDFLARE_PROXY_URL", "(aucun)", "Même URL, donnée au navigateur ; doit être identique à CLOUDFLARE_PROXY_URL"),
    ("TTR_SERVER_TOKEN", "(aucun)", "Jeton (16 caractères au moins) qui autorise l'approbation des paiements promo et les questions à TRIX par un serveur"),
    ("TTR_PROMO_MAX_AMOUNT", "100000000", "Montant maximal d'un paiement approuvé, en unités mineures de la devise"),
    ("TTR_PROMO_MAX_FAILS_IP", "10", "Essais de code promo ratés permis par adresse IP et par fenêtre"),
    ("TTR_PROMO_MAX_FAILS_BUSINESS", "30", "Essais ratés permis par entreprise et par fenêtre"),
    ("TTR_PROMO_FAIL_WINDOW", "900", "Durée de la fenêtre des essais ratés, en secondes"),
    ("TTR_TRUSTED_PROXIES", "0", "Nombre de relais de confiance devant l'app (1 sur Cloud Run) pour lire l'IP du client"),
]

_SHEET_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]{20,})")
_SHEET_ID = re.compile(r"^[A-Za-z0-9_-]{25,}$")


@dataclass
class Config:
    workbook: str = DEFAULT_WORKBOOK
    state: str = DEFAULT_STATE
    public_url: str = DEFAULT_PUBLIC_URL
    env: dict[str, str] = field(default_factory=dict)
    #: True when the base of links is configured (``TTR_PUBLIC_URL``, or the address ``ttr serve`` serves):
    #: it is used as is; otherwise ``open_business`` takes the one the deployment last served.
    public_url_fixed: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if environ is None else environ)
        return cls(
            workbook=env.get("TTR_WORKBOOK") or DEFAULT_WORKBOOK,
            state=env.get("TTR_STATE") or DEFAULT_STATE,
            public_url=(env.get("TTR_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
            env=env,
            public_url_fixed=bool(env.get("TTR_PUBLIC_URL")),
        )

    def serve_at(self, host: str, port: int) -> None:
        """``ttr serve``/``ttr demo``: without ``TTR_PUBLIC_URL``, links follow the address actually served."""
        if not self.public_url_fixed:
            self.public_url = served_url(host, port)
            self.public_url_fixed = True

    @property
    def is_google(self) -> bool:
        return is_google_sheet(self.workbook)


def is_google_sheet(spec: str) -> bool:
    return bool(_SHEET_URL.search(spec) or (_SHEET_ID.match(spec) and not spec.endswith(".xlsx")))


def open_backend(spec: str) -> Backend:
    if is_google_sheet(spec):
        from functions.store.gsheets import GoogleSheetsBackend

        return GoogleSheetsBackend.from_default_credentials(spec, env=os.environ)
    path = Path(spec).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise InvalidInputError(
            f"TTR_WORKBOOK « {spec} » : indiquez un fichier .xlsx ou l'URL d'une Google Sheet."
        )
    from functions.store.xlsx import XlsxBackend

    return XlsxBackend(path, cache_dir=path.with_name(path.name + ".cache"))  # parsed tabs kept across processes


def open_state_store(spec: str) -> StateStore:
    from functions.state.open import open_state

    return open_state(spec)


PUBLIC_URL_DOC = ("deployment", "public_url")  # state store: the base of links this deployment serves


def served_url(host: str, port: int) -> str:
    """The base of links for a local server: its address (a LAN address when it listens on every interface)."""
    if host in ("0.0.0.0", "::", ""):
        import socket

        try:  # the interface that would route outward (a UDP "connect" sends nothing)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(("10.255.255.255", 1))
                host = s.getsockname()[0]
        except OSError:
            host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def remember_public_url(state: StateStore, url: str) -> None:
    """What ``ttr serve`` serves becomes the base of the links that the commands run beside it write."""
    if (state.get(*PUBLIC_URL_DOC) or {}).get("url") != url:
        state.put(*PUBLIC_URL_DOC, {"url": url})


def link_base(config: Config, state: StateStore) -> str:
    """The base of the links a business writes (sets ``config.public_url``): ``TTR_PUBLIC_URL``, the address
    this ``ttr serve`` serves, the one this deployment last served (state store), the default."""
    if not config.public_url_fixed:
        config.public_url = str((state.get(*PUBLIC_URL_DOC) or {}).get("url") or config.public_url).rstrip("/")
    return config.public_url


def open_business(config: Config | None = None) -> Business:
    """The business of ``config``, built by the one composition root (``functions.wiring``)."""
    from functions.wiring import open_business as wired

    return wired(config)
