"""The receipt pages: what they show, the headers, the previews, the 404s, and that a GET writes nothing."""

from __future__ import annotations

import copy
import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from functions.receipts import store
from functions.receipts.hooks import link_for, statement_link
from tests.receipts.conftest import BASE, WriteSpy, link_of, rid_of, set_settings

NBSP = "\u00a0"


def text_of(page: bytes) -> str:
    """The visible text, whitespace collapsed (amounts keep their non-breaking spaces)."""
    body = page.decode()
    body = re.sub(r"<(style|script|svg)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def fcfa(n: str) -> str:
    return n.replace(" ", NBSP) + NBSP + "FCFA"


class Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: list[dict[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            self.meta.append(dict(attrs))
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))


def parse(page: bytes) -> Meta:
    m = Meta()
    m.feed(page.decode())
    return m


def get(client, biz, tab, row_id, query=""):
    return client.get("/r/" + rid_of(link_of(biz, tab, row_id)) + query)


def test_quick_sale_page_lines_amounts_and_balance(shop, client):
    r = get(client, shop["biz"], "caisse", shop["sale"])
    assert r.status_code == 200 and r.mimetype == "text/html"
    t = text_of(r.data)
    assert "Reçu de vente" in t and "Chez Awa" in t and "Rue 12, Bè, Lomé" in t and "+228 22 21 00 00" in t
    assert re.search(r"Coca 33cl 2 " + fcfa("600") + " " + fcfa("1 200"), t)
    assert re.search(r"Eau 1,5 L 1 " + fcfa("500") + " " + fcfa("500"), t)
    assert f"Total {fcfa('1 700')}" in t and "Soldé rien à payer" in t
    assert "Ni repris ni échangé." in t and "Caissier Awa" in t and "Date 14/03/2026 09:30" in t
    receipt = store.find(shop["biz"].state, rid_of(link_of(shop["biz"], "caisse", shop["sale"])))
    assert receipt.number in t


def test_prestation_page_lines_payment_history_and_balance_clearly_marked(shop, client):
    r = get(client, shop["biz"], "prestations", shop["prestation"])
    t = text_of(r.data)
    assert "Réservation" in t and f"Réservation N° {shop['number']}" in t and "Client Kofi Mensah" in t
    assert re.search("Chambre double 2 " + fcfa("25 000") + " " + fcfa("50 000"), t)
    assert re.search("Petit-déjeuner 2 " + fcfa("2 500") + " " + fcfa("5 000"), t)
    assert f"Total {fcfa('55 000')}" in t and f"Payé {fcfa('35 000')}" in t
    assert re.search(r'<div class="balance" id="solde"><span>Reste à payer</span><span>20\xa0000\xa0FCFA', r.data.decode())
    assert "Encaissement · Mobile Money " + fcfa("20 000") in t and "Encaissement · Espèces " + fcfa("15 000") in t
    assert "Statut En attente" in t


def test_a_later_payment_issues_a_new_prestation_receipt_and_leaves_earlier_ones_as_issued(shop, client):
    """Receipts are documents: the prestation's link before the payment still shows what it said then."""
    biz = shop["biz"]
    before = link_of(biz, "prestations", shop["prestation"])
    biz.record_payment("20000", "Awa", prestation_id=shop["prestation"])
    after = link_of(biz, "prestations", shop["prestation"])
    assert after != before
    t = text_of(get(client, biz, "prestations", shop["prestation"]).data)
    assert "Soldé rien à payer" in t and "Reste à payer" not in t
    old = text_of(client.get(urlparse(before).path).data)
    assert f"Reste à payer {fcfa('20 000')}" in old and "Ce reçu a été remplacé par le reçu" in old
    t = text_of(get(client, biz, "caisse", shop["payment"]).data)  # an earlier payment: what was true then
    assert "Reçu de paiement" in t and f"Montant reçu {fcfa('15 000')}" in t and f"Total payé {fcfa('35 000')}" in t


def test_euro_amounts_read_the_french_way(rbiz, client):
    set_settings(rbiz, {"currency": "EUR", "business_type": "Boutique"})
    rid = rbiz.revenue("1234.5", "Awa", description="Prestation conseil")["caisse_id"]
    t = text_of(get(client, rbiz, "caisse", rid).data)
    assert f"1{NBSP}234,50{NBSP}€" in t and "Reçu de recette" in t


def test_statement_lists_prestations_payments_and_balance(shop, client):
    biz = shop["biz"]
    url = statement_link(biz, shop["kofi"], BASE)
    t = text_of(client.get(urlparse(url).path).data)
    assert "Relevé de compte" in t and "Client Kofi Mensah" in t and shop["number"] in t
    assert f"Total facturé {fcfa('55 000')}" in t and f"Total payé {fcfa('35 000')}" in t
    assert f"Reste à payer {fcfa('20 000')}" in t and "Situation au 14/03/2026 09:30" in t
    assert statement_link(biz, shop["kofi"], BASE) == url  # one statement link per client


def test_headers_on_pages_pdfs_and_404s(shop, client):
    want = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow",
            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    for r in (get(client, shop["biz"], "caisse", shop["sale"]), get(client, shop["biz"], "caisse", shop["sale"], ".pdf"),
              client.get("/r/" + "A" * 24), client.get("/r/x")):
        assert {k: r.headers.get(k) for k in want} == want
        assert "script-src" in r.headers["Content-Security-Policy"] and "default-src 'none'" in \
            r.headers["Content-Security-Policy"]


def test_open_graph_holds_the_business_name_and_recu_only(shop, client):
    biz = shop["biz"]
    for tab, rid in (("caisse", shop["payment"]), ("prestations", shop["prestation"]), ("caisse", shop["sale"])):
        page = get(client, biz, tab, rid).data
        og = {m.get("property") or m.get("name"): m.get("content") for m in parse(page).meta
              if (m.get("property") or "").startswith("og:") or (m.get("name") or "").startswith("twitter:")}
        assert og["og:title"] == "Chez Awa" and og["og:description"] == "Reçu"
        blob = " ".join(og.values())
        for secret in ("Kofi", "Mensah", "90 11 22 33", "22890112233", "FCFA", "000", "R-2026"):
            assert secret not in blob
        title = re.search(r"<title>(.*?)</title>", page.decode()).group(1)
        assert "Kofi" not in title and "FCFA" not in title


def test_whatsapp_button_targets_the_client_phone_with_the_link(shop, client):
    biz = shop["biz"]
    url = link_of(biz, "caisse", shop["payment"])
    wa = next(h for h in parse(get(client, biz, "caisse", shop["payment"]).data).links if "wa.me" in h)
    parts = urlparse(html.unescape(wa))
    assert parts.netloc == "wa.me" and parts.path == "/22890112233"
    assert url in unquote(parse_qs(parts.query)["text"][0])
    anon = biz.revenue("1000", "Awa", description="Pourboire")["caisse_id"]
    wa = next(h for h in parse(get(client, biz, "caisse", anon).data).links if "wa.me" in h)
    assert html.unescape(wa).startswith("https://wa.me/?text=")


def test_unknown_altered_revoked_and_malformed_ids_get_identical_404s(shop, client):
    biz = shop["biz"]
    good = rid_of(link_of(biz, "caisse", shop["sale"]))
    altered = good[:-1] + ("A" if good[-1] != "A" else "B")
    revoked = rid_of(link_of(biz, "caisse", shop["payment"]))
    store.revoke(biz.state, revoked)
    responses = [client.get("/r/" + i) for i in (store.new_id(), altered, revoked, "x", "%2e%2e", good + ".pdf.pdf",
                                                 altered + ".pdf", "A" * 200)]
    responses.append(client.get("/r/" + altered + "?format=80mm&pdf=1"))
    first = responses[0]
    assert first.status_code == 404 and "Reçu introuvable" in first.data.decode()
    for r in responses:
        assert (r.status_code, r.data, sorted(r.headers.items())) == (404, first.data, sorted(first.headers.items()))
    assert client.get("/r/" + good).status_code == 200  # the others still work


def test_a_receipt_whose_row_is_gone_is_a_404_too(shop, client):
    biz = shop["biz"]
    link = link_of(biz, "prestations", shop["prestation"])
    biz.delete("prestations", shop["prestation"], "Awa")
    r = client.get("/r/" + rid_of(link))
    assert r.status_code == 404 and r.data == client.get("/r/" + store.new_id()).data


def test_a_get_writes_nothing(shop, client):
    biz = shop["biz"]
    biz.sync()
    grids_before = copy.deepcopy(biz.workbook.backend.read())
    writes = biz.workbook.backend.requests["write"]
    receipts_before = biz.state.list(store.RECEIPTS)
    biz.state = spy = WriteSpy(biz.state)
    for tab, rid in (("caisse", shop["sale"]), ("prestations", shop["prestation"])):
        for q in ("", "?format=80mm", "?format=58mm", ".pdf", ".pdf?format=80mm"):
            assert get(client, biz, tab, rid, q).status_code == 200
    client.get("/r/" + store.new_id())
    client.head("/r/" + rid_of(link_of(biz, "caisse", shop["sale"])))
    assert spy.writes == []
    assert biz.workbook.backend.requests["write"] == writes
    assert biz.workbook.backend.read() == grids_before
    assert spy.inner.list(store.RECEIPTS) == receipts_before


def test_other_methods_are_refused(shop, client):
    url = "/r/" + rid_of(link_of(shop["biz"], "caisse", shop["sale"]))
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("fmt,size", [("80mm", "80mm auto"), ("58mm", "58mm auto"), ("a4", "A4"), ("bogus", "A4")])
def test_print_formats(shop, client, fmt, size):
    page = get(client, shop["biz"], "caisse", shop["sale"], f"?format={fmt}").data.decode()
    assert f"@page{{size:{size};" in page
    assert f'class="fmt-{fmt if fmt != "bogus" else "a4"}"' in page


def test_ttr_receipt_link_for_a_row_and_a_renewal(shop, client):
    biz = shop["biz"]
    old = link_of(biz, "caisse", shop["sale"])
    assert link_for(biz, shop["sale"], BASE) == old
    new = link_for(biz, shop["sale"], BASE, renew=True)
    assert new != old and link_of(biz, "caisse", shop["sale"]) == new
    assert client.get(urlparse(old).path).status_code == 404 and client.get(urlparse(new).path).status_code == 200
    assert biz.load(["journal"]).all_rows("journal")[-1]["action"] == "reçu"
