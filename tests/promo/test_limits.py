"""Failed checks are limited per IP and per business, in the state store shared by every instance."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from functions.promo.config import PromoSettings
from functions.promo.errors import RateLimitedError
from functions.promo.limits import FailureLimiter
from functions.state.memory import MemoryStateStore
from functions.state.sqlite import SQLiteStateStore
from tests.promo.conftest import make_app, post


def bad(client, business="biz-awa", ip="203.0.113.7", code="FAUX-CODE"):
    return post(client, body={"businessId": business, "promoCode": code},
                headers={"X-Forwarded-For": f"10.9.9.9, {ip}"})


def test_the_limit_is_shared_by_two_instances_through_one_state_file(env, abt, tmp_path):
    path = tmp_path / "etat.sqlite"
    env = {**env, "TTR_PROMO_MAX_FAILS_IP": "4", "TTR_PROMO_FAIL_WINDOW": "600", "TTR_TRUSTED_PROXIES": "1"}
    one = make_app(env, SimpleNamespace(state=SQLiteStateStore(path))).test_client()
    two = make_app(env, SimpleNamespace(state=SQLiteStateStore(path))).test_client()
    assert [bad(c).status_code for c in (one, two, one, two)] == [200] * 4
    assert len(abt.requests) == 4
    for c in (one, two):
        r = bad(c)
        assert r.status_code == 429
        assert 590 <= int(r.headers["Retry-After"]) <= 600
        assert "Réessayez dans 10 minute(s)" in r.get_json()["message"]
        # blocked: even a good code is not looked at, and ABT is not called
        assert post(c, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert len(abt.requests) == 4
    # another IP (another business) is not blocked
    assert bad(two, business="biz-koffi", ip="198.51.100.3").status_code == 200


def test_successful_checks_do_not_count(env, abt):
    app = make_app({**env, "TTR_PROMO_MAX_FAILS_IP": "2"}, SimpleNamespace(state=MemoryStateStore()))
    c = app.test_client()
    for _ in range(5):
        assert post(c).get_json()["valid"] is True
    assert bad(c).status_code == 200
    assert bad(c).status_code == 200
    assert bad(c).status_code == 429


def test_malformed_codes_count_as_failures(env):
    app = make_app({**env, "TTR_PROMO_MAX_FAILS_IP": "2"}, SimpleNamespace(state=MemoryStateStore()))
    c = app.test_client()
    assert [bad(c, code="?").status_code for _ in range(3)] == [400, 400, 429]


def test_abt_failures_do_not_count(env, abt):
    app = make_app({**env, "TTR_PROMO_MAX_FAILS_IP": "1"}, SimpleNamespace(state=MemoryStateStore()))
    c = app.test_client()
    abt.mode = 500
    assert [bad(c).status_code for _ in range(3)] == [502] * 3


def test_per_business_limit_across_ips(env, abt):
    app = make_app({**env, "TTR_PROMO_MAX_FAILS_IP": "100", "TTR_PROMO_MAX_FAILS_BUSINESS": "3",
                    "TTR_TRUSTED_PROXIES": "1"}, SimpleNamespace(state=MemoryStateStore()))
    c = app.test_client()
    assert [bad(c, ip=f"198.51.100.{i}").status_code for i in range(4)] == [200, 200, 200, 429]
    assert bad(c, business="biz-autre", ip="198.51.100.9").status_code == 200


def test_forwarded_for_is_ignored_without_trusted_relays(env, abt):
    """A client cannot dodge the limit by inventing X-Forwarded-For values."""
    app = make_app({**env, "TTR_PROMO_MAX_FAILS_IP": "2"}, SimpleNamespace(state=MemoryStateStore()))
    c = app.test_client()
    codes = [bad(c, business=f"biz-{i}", ip=f"198.51.100.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_block_expires_after_the_window():
    now = [1000.0]
    state = MemoryStateStore(clock=lambda: now[0])
    limiter = FailureLimiter(state, PromoSettings(fail_window=60, fails_per_ip=1), clock=lambda: now[0])
    limiter.failed("1.2.3.4", None)
    with pytest.raises(RateLimitedError) as info:
        limiter.check("1.2.3.4", None)
    assert info.value.retry_after == 60
    now[0] += 30
    with pytest.raises(RateLimitedError) as info:
        limiter.check("1.2.3.4", None)
    assert info.value.retry_after == 30
    now[0] += 31
    limiter.check("1.2.3.4", None)


def test_state_keys_hold_no_address(env, abt):
    store = MemoryStateStore()
    app = make_app({**env, "TTR_PROMO_MAX_FAILS_IP": "1", "TTR_TRUSTED_PROXIES": "1"},
                   SimpleNamespace(state=store))
    c = app.test_client()
    bad(c, ip="203.0.113.7")
    assert bad(c, ip="203.0.113.7").status_code == 429  # the address was counted…
    assert "203.0.113.7" not in repr(store.__dict__)  # …under a hash


@pytest.mark.parametrize("variants", [["biz-awa", " biz-awa", "biz-awa  ", "\tbiz-awa\n", "  biz-awa "],
                                      ["biz-awa", "BIZ-AWA", "Biz-Awa", " biz-AWA ", "bIz-awa"]])
def test_padding_or_case_does_not_dodge_the_business_limit(env, abt, variants):
    """Issue 13, item 9: 25 of 28 padded businessIds reached ABT with a limit of 5; one business is one count."""
    app = make_app({**env, "TTR_PROMO_MAX_FAILS_IP": "1000", "TTR_PROMO_MAX_FAILS_BUSINESS": "5",
                    "TTR_TRUSTED_PROXIES": "1"}, SimpleNamespace(state=MemoryStateStore()))
    c = app.test_client()
    codes = [bad(c, business=variants[i % len(variants)], ip=f"198.51.100.{i}").status_code for i in range(28)]
    assert codes == [200] * 5 + [429] * 23
    assert len(abt.requests) == 5


def test_a_malformed_business_id_is_still_checked_against_the_address_block(env, abt):
    app = make_app({**env, "TTR_PROMO_MAX_FAILS_IP": "2"}, SimpleNamespace(state=MemoryStateStore()))
    c = app.test_client()
    assert [bad(c).status_code for _ in range(2)] == [200, 200]
    assert bad(c, business="   ").status_code == 429
