"""Exact-origin CORS on the public check: a table of origins, and the preflight."""

from __future__ import annotations

import pytest

from functions.promo.cors import Cors, parse_origins
from tests.promo.conftest import ORIGIN, post

CASES = [
    (ORIGIN, True),
    (ORIGIN + "/", False),  # trailing slash: not an origin a browser sends
    ("null", False),
    ("https://autre-domaine.example", False),
    (ORIGIN + ".evil.example", False),  # suffix trick
    ("https://evil" + ORIGIN.removeprefix("https://"), False),  # prefix trick
    ("https://evil." + ORIGIN.removeprefix("https://"), False),  # subdomain
    (ORIGIN.replace("https", "http"), False),  # http variant
    (ORIGIN.upper(), False),  # other case
    ("HTTPS://app.ttr-gestion.example", False),
    (ORIGIN + ":443", False),
    (ORIGIN + ":8443", False),
    ("*", False),
    ("", False),
]


@pytest.mark.parametrize("origin, allowed", CASES)
def test_post_from_origin(client, abt, origin, allowed):
    r = post(client, headers={"Origin": origin})
    assert r.headers.get("Vary") == "Origin"
    if allowed:
        assert r.status_code == 200
        assert r.headers["Access-Control-Allow-Origin"] == origin
        assert len(abt.requests) == 1
    else:
        assert r.status_code == 403
        assert "Access-Control-Allow-Origin" not in r.headers
        assert abt.requests == []  # a refused origin costs ABT nothing
    assert "Access-Control-Allow-Credentials" not in r.headers


@pytest.mark.parametrize("origin, allowed", CASES)
def test_preflight_from_origin(client, origin, allowed):
    r = client.options("/promo/check", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "content-type"})
    assert "Origin" in r.headers["Vary"]
    if allowed:
        assert r.status_code == 204
        assert r.headers["Access-Control-Allow-Origin"] == origin
        assert r.headers["Access-Control-Allow-Methods"] == "POST"
        assert r.headers["Access-Control-Allow-Headers"] == "Content-Type"
    else:
        assert r.status_code == 403
        assert not any(h.startswith("Access-Control-Allow") for h in r.headers.keys())


@pytest.mark.parametrize("method, headers", [("PUT", "content-type"), ("DELETE", ""), ("POST", "x-api-key"),
                                             ("POST", "content-type, authorization")])
def test_preflight_answers_only_post_and_content_type(client, method, headers):
    r = client.options("/promo/check", headers={"Origin": ORIGIN, "Access-Control-Request-Method": method,
                                                "Access-Control-Request-Headers": headers})
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers


def test_no_origin_header_is_a_server_call_and_gets_no_cors(client):
    r = post(client)
    assert r.status_code == 200
    assert r.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Origin" not in r.headers


def test_errors_to_an_allowed_origin_are_readable_by_it(client):
    r = post(client, body={"businessId": "b", "promoCode": "?"}, headers={"Origin": ORIGIN})
    assert r.status_code == 400
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_configured_origins_are_normalised_and_wildcards_ignored(caplog):
    allowed = parse_origins(" HTTPS://App.Example.com/ , *, null, https://x.example/chemin, ftp://f.example,"
                            "https://p.example:443, http://localhost:8080, https://*.example.com")
    assert allowed == {"https://app.example.com", "https://p.example", "http://localhost:8080"}
    assert sum("ignorée" in r.getMessage() for r in caplog.records) == 5
    cors = Cors(allowed)
    assert cors.headers("*") == {"Vary": "Origin"}
    assert not Cors(parse_origins("*")).allows("https://n-importe-quoi.example")
    assert not Cors(parse_origins("null")).allows("null")
