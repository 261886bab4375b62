// The sales board: drag a card to another column to move the deal (each
// card also has a "Move" form that works without JavaScript), load more
// cards per column, switch pipelines. A deal a colleague changed meanwhile
// is not overwritten: the server answers 409 and the board says so.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(board, text, isError) {
    var status = document.querySelector("[data-board-status]");
    if (!status) return;
    status.textContent = text;
    status.hidden = false;
    status.classList.toggle("board__status--error", Boolean(isError));
  }

  function move(card, column) {
    var board = document.querySelector("[data-board]");
    var body = new FormData();
    body.append("stage", column.getAttribute("data-stage"));
    body.append("version", card.getAttribute("data-version"));
    body.append("next", window.location.pathname + window.location.search);
    card.classList.add("deal-card--moving");
    fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (answer) {
      if (answer.status === 200 && answer.data.ok) {
        window.location.reload();
      } else if (answer.data.form_url) {
        window.location.assign(answer.data.form_url);
      } else {
        card.classList.remove("deal-card--moving");
        say(board, answer.data.error || board.getAttribute("data-error"), true);
      }
    }).catch(function () {
      card.classList.remove("deal-card--moving");
      say(board, "The deal could not be moved; check your connection.", true);
    });
  }

  function setUpDragging(board) {
    var dragged = null;
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest ? event.target.closest("[data-deal-card]") : null;
      if (!card) return;
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.id);
      card.classList.add("deal-card--dragging");
    });
    board.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("deal-card--dragging");
      board.querySelectorAll(".board__column--target").forEach(function (column) {
        column.classList.remove("board__column--target");
      });
    });
    board.querySelectorAll("[data-stage-column]").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (!dragged) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        column.classList.add("board__column--target");
      });
      column.addEventListener("dragleave", function (event) {
        if (!column.contains(event.relatedTarget)) {
          column.classList.remove("board__column--target");
        }
      });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("board__column--target");
        var card = dragged;
        dragged = null;
        if (!card || card.getAttribute("data-stage") === column.getAttribute("data-stage")) return;
        column.querySelector("[data-cards]").appendChild(card);
        move(card, column);
      });
    });
  }

  function setUpMore(board) {
    board.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("[data-more]") : null;
      if (!link) return;
      event.preventDefault();
      var url = link.getAttribute("href");
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "fragment=1", { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var holder = document.createElement("template");
          holder.innerHTML = html;
          var next = holder.content.querySelector("template[data-next-url]");
          var cards = link.parentNode.querySelector("[data-cards]");
          holder.content.querySelectorAll("[data-deal-card]").forEach(function (card) {
            cards.appendChild(card);
          });
          if (next) {
            link.setAttribute("href", next.getAttribute("data-next-url"));
          } else {
            link.remove();
          }
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var choice = document.querySelector("[data-pipeline-choice]");
    if (choice) {
      choice.addEventListener("change", function () { window.location.assign(choice.value); });
    }
    var board = document.querySelector("[data-board]");
    if (!board) return;
    setUpDragging(board);
    setUpMore(board);
  });
})();
