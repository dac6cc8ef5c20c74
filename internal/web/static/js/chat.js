// Guichet — the assistant's chat page, updated in place.
// Without this script the page works by ordinary form posts; with it, a
// message is posted the same way (same form, same CSRF token) in the
// background, and only the new messages and the new proposals are put in
// the page, so the log region announces them and focus stays in the box.
(function () {
  "use strict";
  var busy = false;

  function swap(doc) {
    var log = document.querySelector(".chat-log");
    var fresh = doc.querySelector(".chat-log");
    if (!log || !fresh) { return false; }
    var have = log.children.length;
    var items = fresh.children;
    if (have === 1 && items.length > 1 && !log.querySelector(".chat-user")) {
      have = 0; // the greeting shown before the conversation existed
      log.textContent = "";
    }
    for (var i = have; i < items.length; i++) {
      log.appendChild(document.importNode(items[i], true));
    }
    var oldChoices = document.querySelector(".chat-choices");
    var newChoices = doc.querySelector(".chat-choices");
    var form = document.querySelector(".chat-form");
    if (oldChoices) { oldChoices.remove(); }
    if (newChoices && form) { form.parentNode.insertBefore(document.importNode(newChoices, true), form); }
    bind();
    return true;
  }

  function send(form, submitter) {
    if (busy) { return; }
    busy = true;
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    fetch(form.action, { method: "POST", body: new URLSearchParams(data), credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
      .then(function (r) {
        var doc = new DOMParser().parseFromString(r.text, "text/html");
        var old = document.querySelector(".chat-error");
        if (old) { old.remove(); }
        if (!r.ok) {
          // The answer is the page with the error explained: show it, keep the text.
          var problem = doc.querySelector(".error-summary");
          var f = document.querySelector(".chat-form");
          if (problem && f) {
            problem.classList.add("chat-error");
            f.parentNode.insertBefore(document.importNode(problem, true), f);
          }
          return;
        }
        if (!swap(doc)) { window.location.reload(); return; }
        var box = document.getElementById("chat-text");
        if (box) { box.value = ""; box.focus(); }
      })
      .catch(function () { form.submit(); })
      .then(function () { busy = false; });
  }

  function bind() {
    var forms = document.querySelectorAll(".chat-form, .chat-choices");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].dataset.bound) { continue; }
      forms[i].dataset.bound = "1";
      forms[i].addEventListener("submit", function (e) {
        e.preventDefault();
        send(e.target, e.submitter);
      });
    }
  }

  bind();
})();
