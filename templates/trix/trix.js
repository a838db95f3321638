// TRIX chat page: posts the conversation, reads the Server-Sent Events answer, shows the server's safe HTML.
(function () {
  "use strict";
  var log = document.getElementById("trix-log");
  var form = document.getElementById("trix-form");
  var input = document.getElementById("trix-input");
  var status = document.getElementById("trix-status");
  var sendBtn = document.getElementById("trix-send");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var history = [];
  var MAX_CHARS = 10000;
  var TOOLS = {kpis: "indicateurs", sales_by_type: "ventes par type", sales_by_article: "ventes par article",
    client_balances: "soldes clients", unpaid_prestations: "impayés", stock_status: "stock",
    upcoming_agenda: "agenda", cash_by_category: "caisse", investment_returns: "investissements",
    find_clients: "clients", whatsapp_link: "message WhatsApp", business_profile: "profil"};

  function bubble(role, text) {
    var d = document.createElement("div");
    d.className = "msg " + role;
    d.textContent = text || "";
    log.appendChild(d);
    d.scrollIntoView({block: "end"});
    return d;
  }

  function trimmed() {
    var h = history.slice(-20), total = 0, i;
    for (i = h.length - 1; i >= 0; i--) {
      total += h[i].content.length;
      if (total > MAX_CHARS) { return h.slice(i + 1); }
    }
    return h;
  }

  function addLinks(box, links) {
    (links || []).forEach(function (l) {
      if (typeof l.lien !== "string" || l.lien.indexOf("https://wa.me/") !== 0) { return; }
      var a = document.createElement("a");
      a.className = "btn btn-wa small";
      a.href = l.lien;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = "Ouvrir dans WhatsApp" + (l.telephone ? " (" + l.telephone + ")" : "");
      var p = document.createElement("p");
      p.appendChild(a);
      box.appendChild(p);
    });
  }

  async function ask(question) {
    question = (question || "").trim();
    if (!question) { return; }
    history.push({role: "user", content: question});
    bubble("user", question);
    var out = bubble("assistant", "…");
    var answer = "";
    sendBtn.disabled = true;
    status.textContent = "TRIX réfléchit…";
    try {
      var res = await fetch("/trix/chat", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRF-Token": csrf},
        body: JSON.stringify({messages: trimmed()})});
      if (!res.ok) {
        var msg = "TRIX ne répond pas pour le moment.";
        try { msg = (await res.json()).erreur || msg; } catch (e) { /* not JSON */ }
        throw new Error(msg);
      }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buf = "";
      for (;;) {
        var part = await reader.read();
        if (part.done) { break; }
        buf += decoder.decode(part.value, {stream: true});
        var cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          var block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (block.indexOf("data: ") !== 0) { continue; }
          var ev = JSON.parse(block.slice(6));
          if (ev.type === "text") {
            answer += ev.t;
            out.textContent = answer;
          } else if (ev.type === "tool") {
            status.textContent = "TRIX consulte : " + (TOOLS[ev.nom] || ev.nom) + "…";
          } else if (ev.type === "done") {
            out.innerHTML = ev.html;  // rendered by the server with HTML escaped
            out.classList.add("rendered");
            addLinks(out, ev.liens);
          } else if (ev.type === "error") {
            throw new Error(ev.erreur);
          }
        }
      }
      history.push({role: "assistant", content: answer});
      status.textContent = "";
    } catch (err) {
      history.pop();
      out.classList.add("error");
      out.textContent = err.message || "TRIX ne répond pas pour le moment.";
      status.textContent = "";
    } finally {
      sendBtn.disabled = false;
      out.scrollIntoView({block: "end"});
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value;
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("trix-suggest").addEventListener("click", function (e) {
    var q = e.target.getAttribute && e.target.getAttribute("data-q");
    if (q) { ask(q); }
  });
})();
