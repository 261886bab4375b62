// Kontor: the screen pop. While a page is open, the browser listens to the
// user's event stream (server-sent events); when their phone rings, the
// caller's card (a partial from the server) pops up in the corner.
(function () {
  "use strict";

  var root = document.querySelector("[data-screen-pops]");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) return;

  var STORAGE_KEY = "kontor.lastEventId";
  var MAX_AGE_MS = 120000; // a ringing older than this is over
  var streamUrl = root.getAttribute("data-stream-url");
  var lastSeen = null;
  try {
    lastSeen = window.sessionStorage.getItem(STORAGE_KEY);
  } catch (e) {
    lastSeen = null;
  }
  // Resume after the last event this tab saw on its previous page.
  if (lastSeen && /^\d+$/.test(lastSeen)) {
    streamUrl += (streamUrl.indexOf("?") === -1 ? "?" : "&") + "last_event_id=" + lastSeen;
  }

  function remember(id) {
    if (!id) return;
    try {
      window.sessionStorage.setItem(STORAGE_KEY, id);
    } catch (e) {
      // Private mode: the next page starts at the newest event instead.
    }
  }

  function samePath(url) {
    // Only ever fetch from this site, whatever host the phone system used.
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.pathname + parsed.search;
    } catch (e) {
      return null;
    }
  }

  function popFor(callId) {
    return root.querySelector('[data-screen-pop][data-call-id="' + callId + '"]');
  }

  function show(data) {
    var path = data && samePath(data.pop_url);
    if (!path || !data.call) return;
    fetch(path, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) throw new Error("screen pop " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var pop = doc.querySelector("[data-screen-pop]");
        if (!pop) return;
        var existing = popFor(data.call.id);
        if (existing) {
          existing.replaceWith(pop);
        } else {
          root.appendChild(pop);
        }
        root.hidden = false;
      })
      .catch(function () {
        // The pop is a convenience; the call is logged either way.
      });
  }

  function update(data) {
    if (!data || !data.call) return;
    var pop = popFor(data.call.id);
    if (!pop) return;
    pop.setAttribute("data-call-event", data.call.event);
    var state = pop.querySelector("[data-call-state]");
    var label = root.getAttribute("data-label-" + data.call.event);
    if (state && label) state.textContent = label;
  }

  function parse(event) {
    remember(event.lastEventId);
    try {
      return JSON.parse(event.data);
    } catch (e) {
      return null;
    }
  }

  var source = new EventSource(streamUrl, { withCredentials: true });
  source.addEventListener("open", function () {
    root.setAttribute("data-stream-state", "open");
  });
  source.addEventListener("error", function () {
    // EventSource reconnects by itself (the server ends each stream after a
    // minute, with a retry hint); only the state is shown for tests and styles.
    root.setAttribute("data-stream-state", "reconnecting");
  });
  source.addEventListener("call", function (event) {
    var data = parse(event);
    if (data && data.sent_at && Date.now() - Date.parse(data.sent_at) > MAX_AGE_MS) return;
    show(data);
  });
  source.addEventListener("call-update", function (event) {
    update(parse(event));
  });

  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-screen-pop-close]");
    if (!button) return;
    var pop = button.closest("[data-screen-pop]");
    if (pop) pop.remove();
    if (!root.querySelector("[data-screen-pop]")) root.hidden = true;
  });

  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
