// « À envoyer » in the Agenda: one tap opens WhatsApp with the message and records it as sent.
// Without this script the form still works: the server records it, then opens the link.
(function () {
  "use strict";
  document.querySelectorAll("form[data-lien]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.open(form.dataset.lien, "_blank", "noopener");
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"Accept": "application/json"}})
        .then(function (r) {
          if (!r.ok) { return; }
          var box = form.closest("section");
          form.remove();
          var count = box && box.querySelectorAll("form[data-lien]").length;
          var title = box && box.querySelector("h2");
          if (title) { title.textContent = count ? "À envoyer (" + count + ")" : "À envoyer : tout est envoyé"; }
        });
    });
  });
})();
