// Passkeys and security keys: the WebAuthn ceremony, the one thing the
// sign-in pages cannot do without a script. Each <form data-passkey>
// posts, with its CSRF token, to data-options for the ceremony's options,
// asks the browser, then posts the answer to data-finish and follows the
// redirect it gets back. Messages go to the form's live region.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-passkey]");
  if (!forms.length) return;
  var supported = window.PublicKeyCredential &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" } })
      .then(function (res) {
        return res.json().then(function (data) {
          if (!res.ok) throw new Error(data.error || res.statusText);
          return data;
        });
      });
  }

  forms.forEach(function (form) {
    var status = form.querySelector("[data-passkey-status]");
    var button = form.querySelector("button");
    form.hidden = false;
    if (!supported) {
      status.textContent = form.getAttribute("data-unsupported");
      button.disabled = true;
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var register = form.getAttribute("data-passkey") === "register";
      var fields = { csrf_token: form.elements.csrf_token.value };
      button.disabled = true;
      status.textContent = "";
      post(form.getAttribute("data-options"), fields)
        .then(function (options) {
          return register
            ? navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey) })
            : navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey) });
        })
        .then(function (credential) {
          fields.response = JSON.stringify(credential.toJSON());
          if (form.elements.name) fields.name = form.elements.name.value;
          if (form.elements.current_password) fields.current_password = form.elements.current_password.value;
          if (form.elements.next) fields.next = form.elements.next.value;
          return post(form.getAttribute("data-finish"), fields);
        })
        .then(function (data) { window.location.assign(data.redirect); })
        .catch(function (err) {
          button.disabled = false;
          status.textContent = (err && err.name === "NotAllowedError") ? form.getAttribute("data-cancelled") : String(err.message || err);
        });
    });
  });
})();
