// Forms marked data-draft keep what was typed in sessionStorage and are sent without leaving
// the page. If the connection drops, the user is told plainly and nothing typed is lost; the
// form's one-time token is kept with the draft, so sending it again never saves twice.
(function () {
  "use strict";
  var PREFIX = "varde-draft:" + location.pathname + ":";

  function keyOf(form) { return PREFIX + form.getAttribute("data-draft"); }

  function read(form) {
    try { return JSON.parse(sessionStorage.getItem(keyOf(form)) || "null"); } catch (e) { return null; }
  }

  function save(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit" || el.name === "csrfmiddlewaretoken") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data[el.name] = el.value;
    });
    try { sessionStorage.setItem(keyOf(form), JSON.stringify(data)); } catch (e) { /* full or off */ }
  }

  function forget(form) { try { sessionStorage.removeItem(keyOf(form)); } catch (e) { /* off */ } }

  function say(form, text, color) {
    var note = form.previousElementSibling;
    if (!note || !note.classList.contains("draft-note")) {
      note = document.createElement("div");
      note.className = "ds-alert draft-note";
      note.setAttribute("role", "alert");
      form.parentNode.insertBefore(note, form);
    }
    note.setAttribute("data-color", color);
    note.textContent = text;
  }

  function restore(form) {
    var data = read(form);
    if (!data) return;
    var typed = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.type === "submit") return;
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = el.value === data[el.name];
      } else {
        el.value = data[el.name];
      }
      if (el.type !== "hidden" && data[el.name]) typed = true;
    });
    if (typed) say(form, form.ownerDocument.documentElement.lang === "en"
      ? "What you typed last time is filled in again. It is not saved yet."
      : "Det du skrev sist er satt inn igjen. Det er ikke lagret ennå.", "info");
  }

  function text(en, nb) { return document.documentElement.lang === "en" ? en : nb; }

  function send(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-draft]") || !window.fetch) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    save(form);
    var body = new FormData(form, event.submitter || undefined);
    form.setAttribute("aria-busy", "true");
    fetch(form.action || location.href, {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok && response.redirected) {
        forget(form);
        location.assign(response.url);
        return null;
      }
      if (response.ok) {
        // The form came back with messages: show them, keep the draft until it is saved.
        return response.text().then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
          var main = document.querySelector("main");
          if (fresh && main) {
            main.replaceWith(fresh);
            var summary = fresh.querySelector(".ds-error-summary, .ds-validation-message");
            (summary || fresh).setAttribute("tabindex", "-1");
            (summary || fresh).focus();
          }
        });
      }
      form.removeAttribute("aria-busy");
      say(form, text(
        "Not saved: the server answered " + response.status + ". What you typed is kept here. Reload the page and try again.",
        "Ikke lagret: serveren svarte " + response.status + ". Det du skrev er tatt vare på her. Last siden på nytt og prøv igjen."
      ), "danger");
      return null;
    }).catch(function () {
      form.removeAttribute("aria-busy");
      say(form, text(
        "Not saved: no connection. What you typed is kept here. Try again when you are online.",
        "Ikke lagret: ingen forbindelse. Det du skrev er tatt vare på her. Prøv igjen når du har nett."
      ), "danger");
    });
  }

  document.addEventListener("submit", send);
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-draft")) save(form);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-draft")) save(form);
  });
  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), restore);
})();
