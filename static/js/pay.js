/*
 * The card field of the portal's pay pages: the only JavaScript of the portal.
 *
 * 1. Stripe.js shows its card field; the card goes to Stripe only (confirmCardSetup with the page's SetupIntent).
 * 2. The card's payment method id goes to our server, which charges the amount it decided (never an amount from
 *    this page) and answers in JSON: {status, payment, next, client_secret?, message?} or {error, code, next?}.
 * 3. If the bank asks the cardholder to confirm (3-D Secure), confirmCardPayment shows its check.
 * 4. The result page (`next`) says what happened; it asks Stripe again if needed.
 */
(function () {
  "use strict";

  var form = document.getElementById("pay-form");
  if (!form) {
    return;
  }
  var noJs = document.getElementById("pay-nojs");
  var errorBox = document.getElementById("pay-error");
  var statusLine = document.getElementById("pay-status");
  var button = document.getElementById("pay-button");
  var saveCard = document.getElementById("save-card");
  var data = form.dataset;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    statusLine.textContent = "";
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }

  function working(message) {
    errorBox.hidden = true;
    errorBox.textContent = "";
    statusLine.textContent = message;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }

  if (typeof window.Stripe !== "function") {
    // Stripe.js did not load (blocked, offline): the other ways to pay stay on the page.
    noJs.textContent = data.msgNostripe;
    return;
  }

  noJs.hidden = true;
  form.hidden = false;

  var stripe = window.Stripe(data.publishableKey, { locale: data.locale || "auto" });
  var elements = stripe.elements();
  var card = elements.create("card", { hidePostalCode: false });
  card.mount("#card-element");

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function confirmOnServer(paymentMethodId) {
    return fetch(data.confirmUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": csrfToken(),
        "X-Requested-With": "XMLHttpRequest"
      },
      body: JSON.stringify({
        token: data.token,
        setup_intent: data.setupIntent,
        payment_method: paymentMethodId,
        save_card: saveCard ? saveCard.checked : false
      })
    }).then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, body: body };
      });
    });
  }

  function finish(body) {
    if (body.status === "requires_action" && body.client_secret) {
      working(data.msgBank);
      return stripe.confirmCardPayment(body.client_secret).then(function () {
        // Whatever the bank said, the result page asks Stripe and shows it.
        window.location.assign(body.next);
      });
    }
    window.location.assign(body.next);
    return null;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) {
      return;
    }
    working(data.msgWorking);
    stripe
      .confirmCardSetup(data.clientSecret, { payment_method: { card: card } })
      .then(function (result) {
        if (result.error) {
          showError(result.error.message || data.msgFailed);
          return null;
        }
        var setupIntent = result.setupIntent;
        var method = typeof setupIntent.payment_method === "string"
          ? setupIntent.payment_method
          : setupIntent.payment_method.id;
        return confirmOnServer(method).then(function (answer) {
          if (!answer.ok) {
            showError(answer.body.error || data.msgFailed);
            if (answer.body.code === "amount_changed" || answer.body.code === "expired") {
              // Nothing was charged; the page must show the new amount before anything is paid.
              button.disabled = true;
              var reload = document.createElement("a");
              reload.href = answer.body.next || window.location.href;
              reload.id = "pay-reload";
              reload.textContent = data.msgReload;
              errorBox.appendChild(document.createTextNode(" "));
              errorBox.appendChild(reload);
            }
            return null;
          }
          return finish(answer.body);
        });
      })
      .catch(function () {
        showError(data.msgNetwork);
      });
  });
})();
