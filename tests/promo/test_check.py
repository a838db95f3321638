"""POST /promo/check: validation, mapping of ABT's answers, limits of the request, upstream failures."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.promo.conftest import KEY, make_app, post


def test_valid_code_is_normalised_sent_with_the_key_and_mapped(client, abt):
    r = post(client, body={"businessId": "biz-awa", "promoCode": "  bienvenue \n", "clientName": "Chez Awa"})
    assert r.status_code == 200
    assert r.get_json() == {"valid": True, "code": "BIENVENUE", "discount": 10,
                            "message": "Code promo valide : 10 % de réduction sur votre abonnement."}
    (sent,) = abt.requests
    assert sent["headers"]["x-api-key"] == KEY
    assert sent["body"] == {"eventType": "CLIENT_SIGNUP", "promoCode": "BIENVENUE", "businessId": "biz-awa",
                            "clientName": "Chez Awa", "clientEmail": "", "amount": 0}


def test_valid_code_without_discount(client):
    r = post(client, body={"businessId": "biz-awa", "promoCode": "awa-2026"})
    assert r.get_json() == {"valid": True, "code": "AWA-2026",
                            "message": "Code promo valide : l'avantage sera appliqué à votre abonnement."}


def test_unknown_and_expired_codes_get_byte_identical_answers(client, abt):
    unknown = post(client, body={"businessId": "biz-awa", "promoCode": "INCONNU"})
    expired = post(client, body={"businessId": "biz-awa", "promoCode": "noel-2024"})
    assert [s["body"]["promoCode"] for s in abt.requests] == ["INCONNU", "NOEL-2024"]
    assert unknown.status_code == expired.status_code == 200
    assert unknown.data == expired.data
    assert unknown.get_json() == {"valid": False, "message": "Code promo invalide ou expiré."}
    drop = {"Date"}
    assert [h for h in unknown.headers if h[0] not in drop] == [h for h in expired.headers if h[0] not in drop]


@pytest.mark.parametrize("code", ["AB", "A" * 33, "BIEN VENUE", "BIEN_VENUE", "ÉTÉ-2026", "", 12345, None,
                                  ["BIENVENUE"]])
def test_malformed_codes_are_refused_without_calling_abt(client, abt, code):
    r = post(client, body={"businessId": "biz-awa", "promoCode": code})
    assert r.status_code == 400
    assert "mal formé" in r.get_json()["message"]
    assert abt.requests == []


@pytest.mark.parametrize("body", [{"promoCode": "BIENVENUE"}, {"businessId": "", "promoCode": "BIENVENUE"},
                                  {"businessId": "a b", "promoCode": "BIENVENUE"},
                                  {"businessId": "x" * 129, "promoCode": "BIENVENUE"},
                                  {"businessId": "biz", "promoCode": "BIENVENUE", "clientEmail": "pas-un-email"}])
def test_bad_fields_are_refused_in_french(client, abt, body):
    r = post(client, body=body)
    assert r.status_code == 400
    assert r.get_json()["valid"] is False and abt.requests == []


def test_content_type_must_be_json(client, abt):
    for kw in ({"data": '{"businessId": "b", "promoCode": "BIENVENUE"}', "content_type": "text/plain"},
               {"data": {"businessId": "b", "promoCode": "BIENVENUE"}},  # form
               {"data": "{}"}):
        r = client.post("/promo/check", **kw)
        assert r.status_code == 415, kw
        assert "JSON" in r.get_json()["message"]
    ok = client.post("/promo/check", data='{"businessId": "b", "promoCode": "BIENVENUE"}',
                     content_type="application/json; charset=utf-8")
    assert ok.status_code == 200
    assert len(abt.requests) == 1


def test_body_limit_is_4_kib_checked_before_parsing(client, abt):
    pad = "x" * (4096 - len('{"businessId":"b","promoCode":"BIENVENUE","p":""}'))
    exact = '{"businessId":"b","promoCode":"BIENVENUE","p":"' + pad + '"}'
    assert len(exact) == 4096
    assert client.post("/promo/check", data=exact, content_type="application/json").status_code == 200
    over = exact[:-2] + 'x"}'
    r = client.post("/promo/check", data=over, content_type="application/json")
    assert r.status_code == 413
    # announced too big: refused on the header, even when the (invalid) body is never read
    r = client.post("/promo/check", data="{" * 10, content_type="application/json",
                    environ_overrides={"CONTENT_LENGTH": "100000"})
    assert r.status_code == 413
    # too big *and* not JSON: the size answers first, nothing is parsed
    r = client.post("/promo/check", data="<" * 5000, content_type="text/html")
    assert r.status_code == 413
    assert len(abt.requests) == 1


def test_chunked_body_without_length_is_limited_too(client):
    class Chunks:  # a body whose length nobody announced (Transfer-Encoding: chunked)
        def __init__(self) -> None:
            self.left = 10000

        def read(self, size: int = -1) -> bytes:
            n = min(self.left, 700 if size < 0 else min(size, 700))
            self.left -= n
            return b" " * n

    body = Chunks()
    r = client.post("/promo/check", content_type="application/json",
                    environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert r.status_code == 413
    assert body.left > 10000 - 4096 - 700  # reading stopped just past the limit


@pytest.mark.parametrize("raw", ["{", "[]", '"BIENVENUE"', "[" * 3000 + "]" * 3000, '{"amount": NaN}',
                                 b"\xff\xfe{}"])
def test_invalid_json_is_a_400(client, raw):
    r = client.post("/promo/check", data=raw, content_type="application/json")
    assert r.status_code in (400, 413)
    assert r.get_json()["valid"] is False


@pytest.mark.parametrize("mode, status", [(500, 502), (503, 502), (401, 502), (403, 502), (429, 502),
                                          ("badjson", 502), ("timeout", 504)])
def test_upstream_failures_are_502_or_504_in_french(client, abt, mode, status):
    abt.mode = mode
    r = post(client)
    assert r.status_code == status
    message = r.get_json()["message"]
    assert "promo" in message and "failure" not in message and "api key" not in message


def test_one_retry_for_the_check_only_when_abt_is_momentarily_down(client, abt):
    abt.mode = "flaky"
    r = post(client)
    assert r.status_code == 200 and r.get_json()["valid"] is True
    assert len(abt.requests) == 2
    abt.requests.clear()
    abt.mode = 500  # not retried: 500 is not "momentarily unavailable"
    assert post(client).status_code == 502
    assert len(abt.requests) == 1
    abt.requests.clear()
    abt.mode = 503  # at most one retry
    assert post(client).status_code == 502
    assert len(abt.requests) == 2


def test_timeout_is_not_retried(client, abt):
    abt.mode = "timeout"
    assert post(client).status_code == 504
    assert len(abt.requests) == 1


def test_abt_unreachable_is_a_502(env, store):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app({**env, "ABT_URL": f"http://127.0.0.1:{port}/x"}, SimpleNamespace(state=store))
    r = post(app.test_client())
    assert r.status_code == 502


@pytest.mark.parametrize("extra, fragment", [
    ({"ABT_URL": ""}, "ABT_URL"),
    ({"TTR_API_KEY": ""}, "TTR_API_KEY"),
    ({"ABT_URL": "http://abt.example.com/api"}, "https://"),
    ({"CLOUDFLARE_PROXY_URL": "https://proxy.example.com/"}, "toutes les deux"),
    ({"CLOUDFLARE_PROXY_URL": "https://a.example.com", "NEXT_PUBLIC_CLOUDFLARE_PROXY_URL": "https://b.example.com"},
     "différentes"),
    ({"TTR_PROMO_FAIL_WINDOW": "bientôt"}, "TTR_PROMO_FAIL_WINDOW"),
])
def test_configuration_errors_are_clear(env, store, abt, extra, fragment):
    app = make_app({**env, **extra}, SimpleNamespace(state=store))
    r = post(app.test_client())
    assert r.status_code == 503
    assert fragment in r.get_json()["message"]
    assert abt.requests == []


def test_external_proxy_is_called_without_the_key_and_given_to_the_browser(env, store, abt):
    proxy = abt.url.replace("/api/events", "/proxy")
    app = make_app({**env, "CLOUDFLARE_PROXY_URL": proxy, "NEXT_PUBLIC_CLOUDFLARE_PROXY_URL": proxy + "/"},
                   SimpleNamespace(state=store))
    c = app.test_client()
    r = post(c)
    # the fake plays the proxy: without the key it answers 401 — proof that the key was not sent
    assert r.status_code == 502
    assert "x-api-key" not in abt.requests[0]["headers"]
    assert c.get("/promo/config").get_json() == {"checkUrl": proxy + "/"}


def test_browser_is_pointed_at_our_own_route_by_default(client):
    assert client.get("/promo/config").get_json() == {"checkUrl": "/promo/check"}


def test_other_methods(client):
    assert client.get("/promo/check").status_code == 405
    assert client.put("/promo/check", json={}).status_code == 405
