// Kontor: log activities without leaving the page.
// Without JavaScript the forms post and the server redirects back; with it,
// the form is sent in the background and the history panel (or the page's
// messages) is swapped for the fresh one from the server's answer.
(function () {
  "use strict";

  function swapMessages(doc) {
    var fresh = doc.querySelector(".messages");
    var current = document.querySelector(".messages");
    if (current) current.remove();
    if (fresh) {
      var main = document.getElementById("main");
      if (main) main.insertBefore(fresh, main.firstChild);
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-history-form]")) return;
    var panel = form.closest("[data-history-panel]");
    if (!panel || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    panel.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.text().then(function (html) {
          return { response: response, html: html };
        });
      })
      .then(function (result) {
        var doc = new DOMParser().parseFromString(result.html, "text/html");
        var fresh = doc.getElementById(panel.id);
        if (!fresh) {
          // Not a page with the panel (an error page: nothing was saved).
          // Send the form the ordinary way, so that the browser shows it.
          form.submit();
          return;
        }
        panel.replaceWith(fresh);
        swapMessages(doc);
        var invalid = fresh.querySelector("[aria-invalid=true], .alert--error");
        var status = document.querySelector(".messages");
        if (invalid) {
          invalid.scrollIntoView({ block: "center" });
          if (invalid.focus) invalid.focus();
        } else if (status) {
          status.setAttribute("tabindex", "-1");
          status.focus({ preventScroll: true });
        }
      })
      .catch(function () {
        // Network trouble: fall back to an ordinary submission.
        form.submit();
      });
  });

  // Opening one quick action closes the others.
  document.addEventListener(
    "toggle",
    function (event) {
      var opened = event.target;
      if (!(opened instanceof HTMLDetailsElement) || !opened.open) return;
      if (!opened.matches("[data-quick-action]")) return;
      document.querySelectorAll("details[data-quick-action][open]").forEach(function (other) {
        if (other !== opened) other.open = false;
      });
      var first = opened.querySelector("textarea, input:not([type=hidden]), select");
      if (first) first.focus();
    },
    true
  );
})();
