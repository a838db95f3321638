/* TTR Gestion — the counter: sells, records expenses, revenues, payments and stock movements with or
   without a network. Every action is first written to this device's queue (IndexedDB) with its own
   idempotency key, the user, the session it belongs to and the time it was made, then sent in order when
   the network is there. The server runs it like an online action; a replay after a lost answer returns the
   first result, so nothing is ever doubled. Refused actions stay on the device with the server's message. */
(function () {
  "use strict";
  var DB = "ttr-comptoir", LOCK_AFTER_MS = 5 * 60 * 1000, SESSION_MS = 12 * 3600 * 1000, PIN_TRIES = 5;
  var data = null, cart = {}, sending = false, locked = false, reachable = true;
  function online() { return navigator.onLine && reachable; }
  var $ = function (id) { return document.getElementById(id); };

  // -- IndexedDB ------------------------------------------------------------------------------------------
  var dbp = null;
  function db() {
    if (!dbp) dbp = new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () {
        var d = open.result;
        if (!d.objectStoreNames.contains("copie")) d.createObjectStore("copie");
        if (!d.objectStoreNames.contains("file")) d.createObjectStore("file", { keyPath: "cle" });
        if (!d.objectStoreNames.contains("meta")) d.createObjectStore("meta");
      };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
    return dbp;
  }
  function tx(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode), result;
        var req = fn(t.objectStore(store));
        if (req) req.onsuccess = function () { result = req.result; };
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  var get = function (s, k) { return tx(s, "readonly", function (o) { return o.get(k); }); };
  var put = function (s, v, k) { return tx(s, "readwrite", function (o) { return k === undefined ? o.put(v) : o.put(v, k); }); };
  var del = function (s, k) { return tx(s, "readwrite", function (o) { return o.delete(k); }); };
  var all = function (s) { return tx(s, "readonly", function (o) { return o.getAll(); }); };

  // -- formatting -------------------------------------------------------------------------------------------
  function amount(text) {
    if (text === "" || text === null || text === undefined) return "";
    var n = Number(text), symbol = (data && data.symbole) || "";
    if (!isFinite(n)) return String(text);
    return new Intl.NumberFormat("fr-FR", { maximumFractionDigits: (data && data.decimales) || 0 }).format(n) +
      "\u00a0" + symbol;
  }
  function ago(ms) {
    var minutes = Math.max(0, Math.round((Date.now() - ms) / 60000));
    if (minutes < 1) return "à l'instant";
    if (minutes < 60) return "il y a " + minutes + " min";
    var h = Math.round(minutes / 60);
    return h < 48 ? "il y a " + h + " h" : "il y a " + Math.round(h / 24) + " jours";
  }
  function when(ms) {
    var d = new Date(ms), p = function (n) { return String(n).padStart(2, "0"); };
    return p(d.getDate()) + "/" + p(d.getMonth() + 1) + "/" + d.getFullYear() + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function say(text) { $("message").textContent = text || ""; }

  // -- the copy of the figures ------------------------------------------------------------------------------
  function refresh() {
    return fetch("/comptoir/donnees", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        reachable = true;
        var json = (res.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (res.redirected || res.status === 401 || res.status === 403 || !json) {
          return del("copie", "donnees").then(function () {
            data = null; render();
            say("Session terminée : reconnectez-vous pour vendre et envoyer les opérations en attente.");
            return "session";
          });
        }
        if (!res.ok) return "erreur";
        return res.json().then(function (fresh) {
          var sameUser = data && data.utilisateur && data.utilisateur.id === fresh.utilisateur.id;
          if (data && !sameUser) cart = {};
          data = fresh;
          return put("copie", fresh, "donnees").then(function () { return put("meta", Date.now(), "contact"); })
            .then(promotePin).then(function () { unlock(); render(); return "ok"; });
        });
      }, function () { reachable = false; render(); return "hors ligne"; });
  }

  // -- the offline PIN lock -----------------------------------------------------------------------------------
  // The PIN page (app.js) leaves a PBKDF2 verifier of the typed PIN; it is kept once the server has accepted
  // that PIN (this page then loads figures online). Offline, the counter reopens only with that PIN.
  function pbkdf2(pin, salt) {
    var enc = new TextEncoder();
    return crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveBits"]).then(function (key) {
      return crypto.subtle.deriveBits({ name: "PBKDF2", salt: enc.encode(salt), iterations: 150000, hash: "SHA-256" }, key, 256);
    }).then(function (bits) {
      return Array.prototype.map.call(new Uint8Array(bits), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    });
  }
  function promotePin() {
    return get("meta", "pin-propose").then(function (p) {
      if (!p || !data) return;
      return del("meta", "pin-propose").then(function () {
        if (Date.now() - p.le < 10 * 60 * 1000) return put("meta", { sel: p.sel, empreinte: p.empreinte, utilisateur: data.utilisateur.id, essais: 0 }, "pin");
      });
    });
  }
  function unlock() { locked = false; $("verrou").hidden = true; return put("meta", Date.now(), "ouvert"); }
  function lockIfNeeded() {
    return Promise.all([get("meta", "pin"), get("meta", "ouvert"), get("meta", "contact")]).then(function (v) {
      var pin = v[0], opened = v[1] || 0, contact = v[2] || 0;
      if (pin && data && pin.utilisateur === data.utilisateur.id) {
        if (Date.now() - opened > LOCK_AFTER_MS) { locked = true; $("verrou").hidden = false; }
      } else if (data && Date.now() - contact > SESSION_MS) {
        locked = true; $("verrou").hidden = false; $("verrou-form").hidden = true;
        $("verrou-texte").textContent = "Hors ligne depuis plus de 12 h et sans code PIN sur cet appareil : " +
          "reconnectez-vous quand le réseau revient. Les opérations en attente sont gardées.";
      }
    });
  }
  $("verrou-form").addEventListener("submit", function (event) {
    event.preventDefault();
    get("meta", "pin").then(function (pin) {
      if (!pin) return;
      return pbkdf2($("verrou-pin").value, pin.sel).then(function (hash) {
        $("verrou-pin").value = "";
        if (hash === pin.empreinte) { pin.essais = 0; return put("meta", pin, "pin").then(unlock).then(render); }
        pin.essais += 1;
        if (pin.essais >= PIN_TRIES) {
          return Promise.all([del("meta", "pin"), del("copie", "donnees")]).then(function () {
            data = null; render();
            $("verrou-erreur").textContent = "Trop d'essais : la copie des chiffres est effacée. Reconnectez-vous quand le réseau revient.";
          });
        }
        $("verrou-erreur").textContent = "Code PIN incorrect (" + (PIN_TRIES - pin.essais) + " essai(s) restant(s)).";
        return put("meta", pin, "pin");
      });
    });
  });

  // -- the queue ------------------------------------------------------------------------------------------------
  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
  }
  function queue(type, champs, resume) {
    if (!data || locked) { say("Le comptoir n'est pas ouvert : reconnectez-vous."); return Promise.resolve(); }
    var action = { cle: newKey(), type: type, champs: champs, fait_le: Date.now(), etat: "en attente",
                   utilisateur: data.utilisateur.id, nom: data.utilisateur.nom, lien: data.lien, csrf: data.csrf,
                   resume: resume, lu_le: data.lu_le, message: "", hors_ligne: !online() };
    return put("file", action).then(function () { say(""); render(); return flush(); });
  }
  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve(render());  // (a failed send marks it unreachable)
    sending = true;
    return all("file").then(function (items) {
      var waiting = items.filter(function (a) { return a.etat === "en attente"; })
        .sort(function (a, b) { return a.fait_le - b.fait_le; });
      var step = function (i) {
        if (i >= waiting.length) return Promise.resolve();
        return send(waiting[i]).then(function (go) { return go ? step(i + 1) : undefined; });
      };
      return step(0);
    }).then(function () { sending = false; render(); }, function () { sending = false; render(); });
  }
  function send(action) {
    return fetch("/comptoir/envoyer", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": action.csrf },
      body: JSON.stringify({ cle: action.cle, type: action.type, champs: action.champs, fait_le: action.fait_le,
                            lien: action.lien, hors_ligne: !!action.hors_ligne })
    }).then(function (res) {
      reachable = true;
      var json = (res.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (res.redirected || res.status === 401 || !json) {
        say("Session terminée : reconnectez-vous pour envoyer les opérations en attente (elles sont gardées).");
        return false;
      }
      return res.json().then(function (body) {
        if (res.ok && body.ok) {
          action.etat = "envoyée"; action.message = body.message + (body.rejoue ? " (déjà reçue)" : "");
          action.recu = body.recu || "";
          return put("file", action).then(function () { return true; });
        }
        if (res.status >= 500 || res.status === 429 || body.definitif === false) return false;
        action.etat = "refusée";
        action.message = body.definitif === undefined
          ? "Saisie dans une session qui a pris fin : elle n'a pas été enregistrée. Vérifiez-la, puis « Renvoyer »."
          : body.erreur;
        return put("file", action).then(function () { return true; });
      });
    }, function () {  // no answer: the action may or may not have landed; its key makes the retry safe
      action.hors_ligne = true; reachable = false;
      return put("file", action).then(function () { return false; });
    });
  }

  // -- the page ------------------------------------------------------------------------------------------------
  var LABELS = { vente: "Vente", depense: "Dépense", revenu: "Revenu", paiement: "Paiement", stock: "Stock" };
  var current = "vente";
  function options(select, items, blank) {
    var keep = select.value;
    select.textContent = "";
    if (blank !== undefined) select.appendChild(el("option", { value: "" }, blank));
    items.forEach(function (it) { select.appendChild(el("option", { value: it[0] }, it[1])); });
    if (keep) select.value = keep;
  }
  function render() {
    all("file").then(function (items) {
      var waiting = items.filter(function (a) { return a.etat === "en attente"; }).length;
      var up = online();
      var state = $("etat");
      state.className = "etat " + (up ? "en-ligne" : "hors-ligne");
      state.textContent = (up ? "En ligne" : "Hors ligne") +
        (waiting ? " — " + waiting + " opération" + (waiting > 1 ? "s" : "") + " en attente" : "");
      drawQueue(items);
    });
    $("qui").textContent = data ? data.utilisateur.nom : "";
    $("age").textContent = data ? "Prix et stock lus " + ago(data.lu_le) + (online() ? "" : " (copie de l'appareil)") : "";
    var tabs = $("onglets");
    tabs.textContent = "";
    if (!data) { document.querySelectorAll("[data-panneau]").forEach(function (p) { p.hidden = true; }); return; }
    Object.keys(LABELS).forEach(function (k) {
      if (!data.permis[k]) return;
      var b = el("button", { type: "button", "aria-pressed": String(k === current) }, LABELS[k]);
      b.addEventListener("click", function () { current = k; render(); });
      tabs.appendChild(b);
    });
    document.querySelectorAll("[data-panneau]").forEach(function (p) { p.hidden = p.dataset.panneau !== current; });
    var methods = data.moyens.map(function (m) { return [m, m]; });
    document.querySelectorAll("[data-moyens]").forEach(function (s) { options(s, methods); });
    document.querySelectorAll("[data-categories]").forEach(function (s) { options(s, data.categories.map(function (c) { return [c, c]; }), "—"); });
    document.querySelectorAll("[data-prestations]").forEach(function (s) {
      options(s, data.prestations.map(function (p) { return [p.id, p.libelle + " — reste " + amount(p.solde)]; }), "—");
    });
    document.querySelectorAll("[data-clients]").forEach(function (s) { options(s, data.clients.map(function (c) { return [c.id, c.nom]; }), "—"); });
    document.querySelectorAll("[data-stock]").forEach(function (s) {
      options(s, data.articles.map(function (a) { return [a.id, a.nom + " (" + a.quantite + " " + a.unite + ")"]; }));
    });
    drawArticles();
  }
  function drawArticles() {
    var box = $("articles"), basket = $("panier"), total = 0;
    box.textContent = ""; basket.textContent = "";
    data.articles.filter(function (a) { return a.a_vendre; }).forEach(function (a) {
      var b = el("button", { type: "button", "data-article": a.id });
      b.appendChild(el("span", {}, a.nom));
      b.appendChild(el("small", {}, amount(a.prix) + " · stock " + a.quantite));
      b.addEventListener("click", function () { cart[a.id] = (cart[a.id] || 0) + 1; drawArticles(); });
      box.appendChild(b);
    });
    Object.keys(cart).forEach(function (id) {
      var a = data.articles.filter(function (x) { return x.id === id; })[0];
      if (!a) { delete cart[id]; return; }
      total += Number(a.prix) * cart[id];
      var li = el("li", {});
      li.appendChild(el("span", {}, cart[id] + " × " + a.nom));
      li.appendChild(el("span", { class: "montant" }, amount(Number(a.prix) * cart[id])));
      var minus = el("button", { type: "button", "aria-label": "Retirer un " + a.nom }, "−");
      minus.addEventListener("click", function () { cart[id] -= 1; if (cart[id] <= 0) delete cart[id]; drawArticles(); });
      li.appendChild(minus);
      basket.appendChild(li);
    });
    $("total").textContent = amount(total);
  }
  function drawQueue(items) {
    var list = $("file");
    list.textContent = "";
    items.sort(function (a, b) { return b.fait_le - a.fait_le; }).slice(0, 30).forEach(function (a) {
      var li = el("li", { class: a.etat === "envoyée" ? "envoyee" : a.etat === "refusée" ? "refusee" : "" });
      li.appendChild(el("span", {}, when(a.fait_le) + " · " + a.resume + " · " + a.etat));
      if (a.message) li.appendChild(el("span", { class: "hint" }, a.message));
      if (a.recu) li.appendChild(el("a", { href: a.recu }, "Reçu"));
      if (a.etat === "en attente") {
        var cancel = el("button", { type: "button" }, "Annuler");
        cancel.addEventListener("click", function () {
          if (window.confirm("Annuler « " + a.resume + " » ? Elle ne sera pas envoyée.")) del("file", a.cle).then(render);
        });
        li.appendChild(cancel);
      }
      if (a.etat === "refusée" && data && a.utilisateur === data.utilisateur.id && a.lien !== data.lien) {
        var again = el("button", { type: "button" }, "Renvoyer");
        again.addEventListener("click", function () {
          a.lien = data.lien; a.csrf = data.csrf; a.etat = "en attente"; a.message = "";
          put("file", a).then(flush);
        });
        li.appendChild(again);
      }
      if (a.etat !== "en attente") {
        var clear = el("button", { type: "button" }, "Effacer");
        clear.addEventListener("click", function () { del("file", a.cle).then(render); });
        li.appendChild(clear);
      }
      list.appendChild(li);
    });
    $("file-vide").hidden = items.some(function (a) { return a.etat === "en attente"; });
  }

  // -- actions -------------------------------------------------------------------------------------------------
  $("encaisser").addEventListener("click", function () {
    var ids = Object.keys(cart);
    if (!ids.length) { say("Touchez un article à vendre."); return; }
    var labels = ids.map(function (id) {
      var a = data.articles.filter(function (x) { return x.id === id; })[0];
      return cart[id] + " × " + a.nom;
    });
    var items = ids.map(function (id) { return { id: id, quantite: String(cart[id]) }; });
    var method = $("vente-moyen").value, remise = $("vente-remise").value.trim();
    var fields = { articles: items, moyen: method, reference: $("vente-reference").value.trim(), remise: remise,
                   motif_remise: $("vente-motif").value.trim() };
    cart = {};
    ["vente-reference", "vente-remise", "vente-motif"].forEach(function (id) { $(id).value = ""; });
    queue("vente", fields, "Vente : " + labels.join(", ") + " — " + $("total").textContent +
      (remise ? " (remise " + remise + ")" : ""));
  });
  document.querySelectorAll("form[data-type]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var fields = {};
      new FormData(form).forEach(function (v, k) { fields[k] = String(v); });
      var type = form.dataset.type;
      var resume = LABELS[type] + (fields.montant ? " : " + fields.montant + " " + (data ? data.symbole : "") : "") +
        (fields.quantite ? " : " + fields.mouvement + " " + fields.quantite : "");
      queue(type, fields, resume).then(function () { form.reset(); render(); });
    });
  });
  window.addEventListener("online", function () { refresh().then(flush); });
  window.addEventListener("offline", render);
  setInterval(function () { if (navigator.onLine) (reachable ? flush() : refresh().then(flush)); }, 30000);

  // The page's own files (content-hashed names) are kept with the counter, so it looks the same offline.
  if (window.caches) {
    var files = Array.prototype.map.call(document.querySelectorAll("link[rel=stylesheet], script[src]"), function (e) {
      return e.href || e.src; }).filter(function (u) { return u.indexOf(location.origin + "/static/") === 0; });
    caches.open("ttr-comptoir-v1").then(function (c) { return c.addAll(files); }).catch(function () {});
  }
  get("copie", "donnees").then(function (saved) { data = saved || null; render(); })
    .then(refresh)
    .then(function (outcome) { return outcome === "hors ligne" ? lockIfNeeded() : undefined; })
    .then(flush)
    .catch(function () { say("Ce navigateur ne peut pas garder les opérations hors ligne."); });
})();
