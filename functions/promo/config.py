"""Promo settings from the environment (see the README's settings table).

Two ways to reach ABT:

* **direct** (default): ``ABT_URL`` with the secret ``TTR_API_KEY`` sent in the ``x-api-key`` header;
  the browser calls our own ``POST /promo/check``.
* **external proxy** (the manual's Cloudflare Worker): when ``CLOUDFLARE_PROXY_URL`` (server side) and
  ``NEXT_PUBLIC_CLOUDFLARE_PROXY_URL`` (browser side) are set, both must hold the same URL; the server
  calls that proxy *without* the key (the proxy adds it) and the browser is pointed at it. One set without
  the other, or two different URLs, is a configuration error with a French message.

Nothing here raises at import or construction: ``PromoSettings.upstream()`` raises ``PromoConfigError``
when the promo proxy is used while misconfigured, so the rest of the app keeps working.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from functions.promo.errors import PromoConfigError

log = logging.getLogger(__name__)

DEFAULT_MAX_AMOUNT = 100_000_000  # minor units: 100 M FCFA, or 1 M € in cents
DEFAULT_FAIL_WINDOW = 900  # seconds
DEFAULT_FAILS_PER_IP = 10
DEFAULT_FAILS_PER_BUSINESS = 30
MIN_SERVER_TOKEN = 16
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

#: (variable, default, French meaning) to add to ``functions.config.SETTINGS_TABLE`` and the README.
SETTINGS_ROWS: list[tuple[str, str, str]] = [
    ("CLOUDFLARE_PROXY_URL", "(aucun)", "Proxy externe des codes promo appelé par le serveur (à la place d'ABT_URL)"),
    ("NEXT_PUBLIC_CLOUDFLARE_PROXY_URL", "(aucun)", "Même URL, donnée au navigateur ; doit être identique à CLOUDFLARE_PROXY_URL"),
    ("TTR_SERVER_TOKEN", "(aucun)", "Jeton (16 caractères au moins) qui autorise l'approbation des paiements promo par un serveur"),
    ("TTR_PROMO_MAX_AMOUNT", str(DEFAULT_MAX_AMOUNT), "Montant maximal d'un paiement approuvé, en unités mineures de la devise"),
    ("TTR_PROMO_MAX_FAILS_IP", str(DEFAULT_FAILS_PER_IP), "Essais de code promo ratés permis par adresse IP et par fenêtre"),
    ("TTR_PROMO_MAX_FAILS_BUSINESS", str(DEFAULT_FAILS_PER_BUSINESS), "Essais ratés permis par entreprise et par fenêtre"),
    ("TTR_PROMO_FAIL_WINDOW", str(DEFAULT_FAIL_WINDOW), "Durée de la fenêtre des essais ratés, en secondes"),
    ("TTR_TRUSTED_PROXIES", "0", "Nombre de relais de confiance devant l'app (1 sur Cloud Run) pour lire l'IP du client"),
]


@dataclass(frozen=True)
class Upstream:
    """Where the server sends promo events, and whether it adds the key itself."""

    url: str
    api_key: str | None  # None: an external proxy adds it


@dataclass(frozen=True)
class PromoSettings:
    abt_url: str = ""
    api_key: str = ""
    proxy_url: str = ""
    public_proxy_url: str = ""
    allowed_origins_raw: str = ""
    server_token: str = ""
    max_amount: int = DEFAULT_MAX_AMOUNT
    fail_window: int = DEFAULT_FAIL_WINDOW
    fails_per_ip: int = DEFAULT_FAILS_PER_IP
    fails_per_business: int = DEFAULT_FAILS_PER_BUSINESS
    trusted_proxies: int = 0
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PromoSettings:
        problems: list[str] = []

        def number(name: str, default: int, low: int, high: int) -> int:
            raw = (env.get(name) or "").strip()
            if not raw:
                return default
            if not raw.isdigit() or not low <= int(raw) <= high:
                problems.append(f"{name} doit être un nombre entier entre {low} et {high} (valeur reçue invalide).")
                return default
            return int(raw)

        return cls(
            abt_url=(env.get("ABT_URL") or "").strip(),
            api_key=(env.get("TTR_API_KEY") or "").strip(),
            proxy_url=(env.get("CLOUDFLARE_PROXY_URL") or "").strip(),
            public_proxy_url=(env.get("NEXT_PUBLIC_CLOUDFLARE_PROXY_URL") or "").strip(),
            allowed_origins_raw=env.get("TTR_ALLOWED_ORIGINS") or "",
            server_token=(env.get("TTR_SERVER_TOKEN") or "").strip(),
            max_amount=number("TTR_PROMO_MAX_AMOUNT", DEFAULT_MAX_AMOUNT, 1, 10**15),
            fail_window=number("TTR_PROMO_FAIL_WINDOW", DEFAULT_FAIL_WINDOW, 10, 86400),
            fails_per_ip=number("TTR_PROMO_MAX_FAILS_IP", DEFAULT_FAILS_PER_IP, 1, 100000),
            fails_per_business=number("TTR_PROMO_MAX_FAILS_BUSINESS", DEFAULT_FAILS_PER_BUSINESS, 1, 100000),
            trusted_proxies=number("TTR_TRUSTED_PROXIES", 0, 0, 5),
            problems=tuple(problems),
        )

    # -- where to send ---------------------------------------------------------------------------------
    def uses_external_proxy(self) -> bool:
        return bool(self.proxy_url or self.public_proxy_url)

    def upstream(self) -> Upstream:
        """The server-side target; raises ``PromoConfigError`` with what to fix."""
        if self.problems:
            raise PromoConfigError("Configuration des codes promo invalide : " + " ".join(self.problems))
        if self.uses_external_proxy():
            if not (self.proxy_url and self.public_proxy_url):
                raise PromoConfigError(
                    "Configuration des codes promo invalide : CLOUDFLARE_PROXY_URL et "
                    "NEXT_PUBLIC_CLOUDFLARE_PROXY_URL doivent être définies toutes les deux, avec la même URL.")
            if _canon(self.proxy_url) != _canon(self.public_proxy_url):
                raise PromoConfigError(
                    "Configuration des codes promo invalide : CLOUDFLARE_PROXY_URL et "
                    "NEXT_PUBLIC_CLOUDFLARE_PROXY_URL sont différentes ; elles doivent contenir la même URL, "
                    "celle de votre proxy.")
            _check_url("CLOUDFLARE_PROXY_URL", self.proxy_url)
            return Upstream(self.proxy_url, None)
        if not self.abt_url:
            raise PromoConfigError("Les codes promo ne sont pas configurés : définissez ABT_URL et TTR_API_KEY.")
        if not self.api_key:
            raise PromoConfigError("Les codes promo ne sont pas configurés : définissez TTR_API_KEY (clé API d'ABT).")
        _check_url("ABT_URL", self.abt_url)
        return Upstream(self.abt_url, self.api_key)

    def browser_check_url(self, own: str = "/promo/check") -> str:
        """The URL the setup page's script posts ``{businessId, promoCode}`` to."""
        if self.uses_external_proxy():
            self.upstream()  # the same consistency rule, for the same message
            return self.public_proxy_url
        return own

    def token_usable(self) -> bool:
        if self.server_token and len(self.server_token) < MIN_SERVER_TOKEN:
            log.warning("TTR_SERVER_TOKEN ignoré : %d caractères au moins sont nécessaires.", MIN_SERVER_TOKEN)
            return False
        return bool(self.server_token)


def _canon(url: str) -> str:
    return url.strip().rstrip("/")


def _check_url(name: str, url: str) -> None:
    """https everywhere; plain http only towards this machine (local ABT, tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return
    raise PromoConfigError(f"{name} doit être une adresse https:// (http:// seulement vers cette machine).")
