"""The one httpx client factory (``functions.http``) and how each caller maps its failures, through
``httpx.MockTransport``: explicit timeouts, no environment proxy, no redirects, retries only where safe."""

from __future__ import annotations

import httpx
import pytest

from functions import http
from functions.promo.client import AbtClient
from functions.promo.config import Upstream
from functions.promo.errors import PromoTimeoutError, PromoUpstreamError
from functions.reminders.channels import Message, SendError, WhatsAppChannel
from functions.trix.errors import TrixProviderError
from functions.trix.images import download


def counting(handler):
    calls: list[httpx.Request] = []

    def wrapped(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return handler(request, len(calls))

    return httpx.MockTransport(wrapped), calls


def test_the_factory_sets_timeouts_and_trusts_nothing_from_the_environment(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    c = http.client(connect=2, read=7)
    assert (c.timeout.connect, c.timeout.read, c.timeout.write, c.timeout.pool) == (2, 7, 7, 2)
    assert c.trust_env is False and c.follow_redirects is False


@pytest.mark.parametrize(("exc", "kind"), [
    (httpx.ConnectError("refused"), http.NOT_SENT), (httpx.ConnectTimeout("slow"), http.NOT_SENT),
    (httpx.ReadTimeout("slow"), http.TIMEOUT), (httpx.RemoteProtocolError("cut"), http.INTERRUPTED),
    (httpx.UnsupportedProtocol("ftp"), http.FAILED)])
def test_failures_are_mapped_once(exc, kind):
    assert http.failure(exc) == kind


def test_pause_is_bounded_and_honours_retry_after():
    assert [http.pause(a) for a in (1, 2, 3, 10)] == [0.25, 0.5, 1.0, 4.0]
    assert http.pause(1, httpx.Response(429, headers={"Retry-After": "3"})) == 3
    assert http.pause(1, httpx.Response(429, headers={"Retry-After": "600"})) == 10


UP = Upstream(url="https://abt.example/api/events", api_key="cle-secrete")


def test_a_check_is_resent_once_when_nothing_was_sent():
    def handler(request, n):
        if n == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"valid": True})

    transport, calls = counting(handler)
    reply = AbtClient(UP, transport=transport).send("CLIENT_SIGNUP", "BIENVENUE", "b1", retry=True)
    assert reply.status == 200 and len(calls) == 2 and calls[1].headers["x-api-key"] == "cle-secrete"


def test_a_read_timeout_is_never_resent_and_an_approval_never_retried():
    def slow(request, n):
        raise httpx.ReadTimeout("slow", request=request)

    transport, calls = counting(slow)
    with pytest.raises(PromoTimeoutError):
        AbtClient(UP, transport=transport).send("CLIENT_SIGNUP", "X", "b1", retry=True)
    assert len(calls) == 1

    def refused(request, n):
        raise httpx.ConnectError("refused", request=request)

    transport, calls = counting(refused)
    with pytest.raises(PromoUpstreamError):
        AbtClient(UP, transport=transport).send("SUBSCRIPTION_PAYMENT", "X", "b1", amount=5000)
    assert len(calls) == 1


def test_a_redirect_is_not_followed_and_the_key_stays_home():
    transport, calls = counting(lambda r, n: httpx.Response(302, headers={"Location": "https://evil.example/"}))
    reply = AbtClient(UP, transport=transport).send("CLIENT_SIGNUP", "X", "b1")
    assert reply.status == 302 and [str(c.url) for c in calls] == [UP.url]


MSG = Message("k1", "agenda", "whatsapp", "22890112233", "Rappel", "Bonjour", template="ttr_rappel_agenda",
              params=("Awa",))


@pytest.mark.parametrize(("exc", "uncertain"), [(httpx.ConnectError("refused"), False),
                                                 (httpx.ReadTimeout("slow"), True),
                                                 (httpx.RemoteProtocolError("cut"), True)])
def test_whatsapp_is_sent_at_most_once(exc, uncertain):
    def handler(request, n):
        raise type(exc)(str(exc), request=request)

    transport, calls = counting(handler)
    channel = WhatsAppChannel("tok", "123", http.client(transport=transport))
    with pytest.raises(SendError) as info:
        channel.send(MSG)
    assert info.value.uncertain is uncertain and len(calls) == 1


def test_whatsapp_sends_the_bearer_and_reads_the_message_id():
    transport, calls = counting(lambda r, n: httpx.Response(200, json={"messages": [{"id": "wamid.1"}]}))
    assert WhatsAppChannel("tok", "123", http.client(transport=transport)).send(MSG) == "wamid.1"
    assert calls[0].headers["Authorization"] == "Bearer tok" and calls[0].url.path.endswith("/123/messages")


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def test_an_image_link_is_downloaded_once_and_bounded(monkeypatch):
    transport, calls = counting(lambda r, n: httpx.Response(200, content=PNG))
    assert download("https://cdn.example/i.png", http.client(transport=transport)) == PNG and len(calls) == 1
    monkeypatch.setattr("functions.trix.images.MAX_IMAGE_BYTES", 50)
    with pytest.raises(TrixProviderError, match="trop volumineuse"):
        download("https://cdn.example/i.png", http.client(transport=transport))
    transport, calls = counting(lambda r, n: httpx.Response(302, headers={"Location": "http://169.254.169.254/"}))
    with pytest.raises(TrixProviderError, match="HTTP 302"):
        download("https://cdn.example/i.png", http.client(transport=transport))
    assert len(calls) == 1


def test_an_image_download_is_resent_only_when_nothing_was_sent():
    def handler(request, n):
        if n == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, content=PNG)

    transport, calls = counting(handler)
    assert download("https://cdn.example/i.png", http.client(transport=transport)) == PNG and len(calls) == 2
    transport, calls = counting(lambda r, n: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)))
    with pytest.raises(TrixProviderError, match="téléchargée"):
        download("https://cdn.example/i.png", http.client(transport=transport))
    assert len(calls) == 1
