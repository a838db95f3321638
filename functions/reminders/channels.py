"""The channels a reminder goes through, behind one interface: ``send(message) -> reference``.

* ``WhatsAppChannel``: the WhatsApp Cloud API over httpx (``functions.http``; Graph API ``POST /{version}/{phone-number-id}/messages``,
  an approved template with its body parameters). Delivery policy **at most once**: the API has no
  idempotency key, so a send whose outcome is unknown (the process died, the answer never came) is not
  repeated; it is reported as uncertain and a wa.me link is written instead for the owner to check.
* ``EmailChannel``: SMTP (``smtplib``) from ``SMTP_URL``. Policy **at least once**: a message whose outcome
  is unknown is sent again with the same ``Message-ID`` (derived from the reminder key), which mail
  services use to show a duplicate once.
* ``WaMeChannel``: the zero-setup default: a ``https://wa.me/<number>?text=…`` link with the message,
  written into the sheet next to the item. Policy **at least once**: writing the same link again is
  invisible.

A failed send raises ``SendError`` (French message) with ``uncertain`` (the message may have left) and
``permanent`` (retrying will not help) flags; every call has a timeout.
"""

from __future__ import annotations

import hashlib
import smtplib
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from functions.reminders.messages import wa_link

AT_MOST_ONCE, AT_LEAST_ONCE = "au plus une fois", "au moins une fois"
GRAPH_URL = "https://graph.facebook.com/v21.0"
LABELS = {"whatsapp": "WhatsApp", "email": "Email", "wame": "Lien wa.me"}


@dataclass(frozen=True)
class Message:
    key: str  # the reminder key in the state store
    rule: str
    channel: str  # "whatsapp", "email" or "wame"
    address: str  # WhatsApp number (digits), email address, or "" for a wa.me link without a number
    subject: str
    text: str
    template: str = ""
    language: str = "fr"
    params: tuple[str, ...] = ()
    business: str = ""


class SendError(Exception):
    def __init__(self, message: str, *, uncertain: bool = False, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.uncertain = uncertain
        self.permanent = permanent


class Channel(Protocol):
    name: str
    policy: str

    def send(self, message: Message) -> str: ...


class WhatsAppChannel:
    name = "whatsapp"
    policy = AT_MOST_ONCE

    def __init__(self, token: str, phone_number_id: str, client: Any = None, base_url: str = GRAPH_URL,
                 timeout: tuple[float, float] = (5, 20)) -> None:
        from functions import http

        self.token = token
        self.phone_number_id = phone_number_id
        self.client = client or http.client(connect=timeout[0], read=timeout[1])
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.timeout = http.timeout(*timeout)

    def body(self, m: Message) -> dict[str, Any]:
        return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": m.address, "type": "template",
                "template": {"name": m.template, "language": {"code": m.language},
                             "components": [{"type": "body", "parameters": [{"type": "text", "text": p}
                                                                            for p in m.params]}]}}

    def send(self, m: Message) -> str:
        import httpx

        from functions import http

        if not m.address:
            raise SendError("aucun numéro WhatsApp", permanent=True)
        try:  # never retried: the API has no idempotency key (at most once)
            r = self.client.post(self.url, json=self.body(m), timeout=self.timeout,
                                 headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            kind = http.failure(exc)
            if kind == http.NOT_SENT:
                raise SendError("WhatsApp injoignable" + (" (délai de connexion dépassé)"
                                                          if isinstance(exc, httpx.ConnectTimeout) else "")) from None
            if kind == http.INTERRUPTED:
                raise SendError("WhatsApp : connexion interrompue", uncertain=True) from None
            raise SendError("WhatsApp n'a pas répondu à temps", uncertain=True) from None
        if r.status_code >= 400:
            try:
                detail = str(r.json()["error"]["message"])
            except Exception:  # noqa: BLE001 - any body
                detail = r.text[:200]
            permanent = 400 <= r.status_code < 500 and r.status_code != 429
            raise SendError(f"WhatsApp a refusé le message ({r.status_code} : {detail})", permanent=permanent)
        try:
            return str(r.json()["messages"][0]["id"])
        except Exception:  # noqa: BLE001 - accepted but odd answer: it left
            return "?"


def parse_smtp_url(url: str) -> dict[str, Any]:
    """``smtp://user:mdp@host:587`` (STARTTLS), ``smtps://user:mdp@host:465`` (TLS), ``?from=…``, ``?starttls=0``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL doit ressembler à smtps://utilisateur:motdepasse@smtp.exemple.com:465")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    ssl = parts.scheme == "smtps"
    port = parts.port or (465 if ssl else 587)
    return {"host": parts.hostname, "port": port, "ssl": ssl, "user": unquote(parts.username or ""),
            "password": unquote(parts.password or ""), "sender": query.get("from", ""),
            "starttls": not ssl and query.get("starttls", "1" if port == 587 else "0") not in ("0", "non", "false")}


class EmailChannel:
    name = "email"
    policy = AT_LEAST_ONCE

    def __init__(self, url: str, smtp_factory: Callable[..., Any] | None = None, timeout: float = 20,
                 sender: str = "") -> None:
        self.conf = parse_smtp_url(url)
        self.timeout = timeout
        self.factory = smtp_factory or (smtplib.SMTP_SSL if self.conf["ssl"] else smtplib.SMTP)
        user = self.conf["user"]
        self.sender = self.conf["sender"] or sender or (user if "@" in user else f"rappels@{self.conf['host']}")

    def message(self, m: Message) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((m.business, self.sender)) if m.business else self.sender
        msg["To"] = m.address
        msg["Subject"] = m.subject
        msg["Date"] = formatdate(localtime=True)
        domain = self.sender.rpartition("@")[2] or "ttr-gestion"
        msg["Message-ID"] = f"<ttr.{hashlib.sha256(m.key.encode()).hexdigest()[:32]}@{domain}>"
        msg.set_content(m.text)
        return msg

    def send(self, m: Message) -> str:
        if not m.address:
            raise SendError("aucune adresse email", permanent=True)
        msg = self.message(m)
        c = self.conf
        try:
            with self.factory(c["host"], c["port"], timeout=self.timeout) as smtp:
                if c["starttls"]:
                    smtp.starttls()
                if c["user"]:
                    smtp.login(c["user"], c["password"])
                smtp.send_message(msg)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise SendError(f"adresse refusée par le serveur d'email ({_smtp_text(exc)})", permanent=True) from None
        except smtplib.SMTPAuthenticationError:
            raise SendError("identifiants SMTP refusés (vérifiez SMTP_URL)", permanent=True) from None
        except (smtplib.SMTPConnectError, ConnectionRefusedError, socket.gaierror):
            raise SendError("serveur d'email injoignable") from None
        except (TimeoutError, smtplib.SMTPServerDisconnected):
            raise SendError("le serveur d'email n'a pas répondu à temps", uncertain=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"erreur du serveur d'email ({_smtp_text(exc)})") from None
        return str(msg["Message-ID"])


def _smtp_text(exc: Exception) -> str:
    return str(exc)[:160]


class WaMeChannel:
    name = "wame"
    policy = AT_LEAST_ONCE

    def send(self, m: Message) -> str:
        return wa_link(m.address, m.text)


@dataclass
class Channels:
    whatsapp: Channel | None = None
    email: Channel | None = None
    wame: Channel = field(default_factory=WaMeChannel)
    warnings: list[str] = field(default_factory=list)

    def get(self, name: str) -> Channel | None:
        return {"whatsapp": self.whatsapp, "email": self.email, "wame": self.wame}.get(name)

    @classmethod
    def from_env(cls, env: Mapping[str, str], client: Any = None,
                 smtp_factory: Callable[..., Any] | None = None) -> Channels:
        out = cls()
        token, number = env.get("WHATSAPP_TOKEN", ""), env.get("WHATSAPP_PHONE_NUMBER_ID", "")
        if token and number:
            out.whatsapp = WhatsAppChannel(token, number, client, env.get("WHATSAPP_API_URL") or GRAPH_URL)
        elif token or number:
            out.warnings.append("WhatsApp : il faut WHATSAPP_TOKEN et WHATSAPP_PHONE_NUMBER_ID ; liens wa.me utilisés.")
        if env.get("SMTP_URL"):
            try:
                out.email = EmailChannel(env["SMTP_URL"], smtp_factory, sender=env.get("SMTP_FROM", ""))
            except ValueError as exc:
                out.warnings.append(f"Email désactivé : {exc}")
        return out
