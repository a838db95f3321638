/* TTR Gestion — on every page: installs the service worker, and before a logout warns about operations
   made offline that are not yet sent, then wipes the device's copy (figures and queue). */
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  function pending() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) return resolve(0);
      var open = indexedDB.open("ttr-comptoir", 1);
      open.onupgradeneeded = function () { open.transaction.abort(); resolve(0); };
      open.onerror = function () { resolve(0); };
      open.onsuccess = function () {
        var db = open.result;
        if (!db.objectStoreNames.contains("file")) { db.close(); return resolve(0); }
        var all = db.transaction("file").objectStore("file").getAll();
        all.onsuccess = function () {
          db.close();
          resolve(all.result.filter(function (a) { return a.etat === "en attente"; }).length);
        };
        all.onerror = function () { db.close(); resolve(0); };
      };
    });
  }
  function wipe() {
    var jobs = [];
    if (window.indexedDB) jobs.push(new Promise(function (r) {
      var del = indexedDB.deleteDatabase("ttr-comptoir"); del.onsuccess = del.onerror = del.onblocked = r;
    }));
    if (window.caches) jobs.push(caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return caches.delete(k); }));
    }));
    return Promise.all(jobs);
  }
  window.ttrWipeDevice = wipe;
  // A PIN typed here (PIN page, new PIN in Paramètres) leaves a PBKDF2 verifier that the counter keeps once
  // the server has accepted it, so the counter can be unlocked with the same PIN when there is no network.
  document.addEventListener("submit", function (event) {
    var form = event.target, field = form.querySelector && form.querySelector("input[name=pin]");
    if (!field || form.dataset.pinKept || !window.crypto || !crypto.subtle || !/^[0-9]{4}$/.test(field.value)) return;
    event.preventDefault();
    var salt = Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return b.toString(16).padStart(2, "0"); }).join("");
    var enc = new TextEncoder();
    crypto.subtle.importKey("raw", enc.encode(field.value), "PBKDF2", false, ["deriveBits"]).then(function (key) {
      return crypto.subtle.deriveBits({ name: "PBKDF2", salt: enc.encode(salt), iterations: 150000, hash: "SHA-256" }, key, 256);
    }).then(function (bits) {
      var hex = Array.prototype.map.call(new Uint8Array(bits), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
      return new Promise(function (resolve) {
        var open = indexedDB.open("ttr-comptoir", 1);
        open.onupgradeneeded = function () {
          var d = open.result;
          ["copie", "meta"].forEach(function (s) { if (!d.objectStoreNames.contains(s)) d.createObjectStore(s); });
          if (!d.objectStoreNames.contains("file")) d.createObjectStore("file", { keyPath: "cle" });
        };
        open.onerror = function () { resolve(); };
        open.onsuccess = function () {
          var t = open.result.transaction("meta", "readwrite");
          t.objectStore("meta").put({ sel: salt, empreinte: hex, le: Date.now() }, "pin-propose");
          t.oncomplete = t.onerror = function () { open.result.close(); resolve(); };
        };
      });
    }).catch(function () {}).then(function () { form.dataset.pinKept = "1"; form.submit(); });
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.action || !/\/deconnexion$/.test(new URL(form.action, location.href).pathname)) return;
    if (form.dataset.confirmed) return;
    event.preventDefault();
    pending().then(function (n) {
      if (n > 0 && !window.confirm(n + " opération(s) saisie(s) hors ligne ne sont pas encore envoyées. " +
          "En vous déconnectant, elles seront perdues. Se déconnecter quand même ?")) return;
      wipe().then(function () { form.dataset.confirmed = "1"; form.submit(); });
    });
  }, true);
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then(function (p) { if (!p) navigator.storage.persist(); });
  }
})();
