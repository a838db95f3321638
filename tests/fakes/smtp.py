"""A local SMTP server (aiosmtpd) that checks the login and keeps what it received.

``with FakeSmtp() as smtp:`` gives ``smtp.url`` (an ``SMTP_URL`` with the expected credentials, plain
SMTP on 127.0.0.1) and ``smtp.messages`` (parsed ``EmailMessage`` objects). ``refuse`` is a set of
recipient addresses answered ``550``. Without aiosmtpd the tests that need it are skipped.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from typing import Any

USER, PASSWORD = "rappels@chez-awa.tg", "s3cret mdp"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeSmtp:
    def __init__(self, user: str = USER, password: str = PASSWORD) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.user, self.password = user, password
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()
        self.logins: list[str] = []
        self.lock = threading.Lock()
        fake = self

        class Handler:
            async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
                if address in fake.refuse:
                    return "550 5.1.1 Adresse inconnue"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with fake.lock:
                    fake.messages.append(msg)  # type: ignore[arg-type]
                    fake.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 Message accepted for delivery"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            ok = isinstance(data, LoginPassword) and data.login.decode() == fake.user and \
                data.password.decode() == fake.password
            if ok:
                fake.logins.append(data.login.decode())
            return AuthResult(success=ok)

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticator,
                                     auth_require_tls=False, auth_required=True)
        from urllib.parse import quote

        self.url = f"smtp://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}?starttls=0"

    def __enter__(self) -> FakeSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
