// The order ticket of an exchange connection's page: it shows the fields its order type takes,
// the units of the chosen market, and says on its button what the order does, "live, real
// money" included on a live connection. The server renders the same text without JavaScript.
(function () {
  "use strict";
  const form = document.getElementById("exchange-ticket-form");
  if (!form) return;
  const button = document.getElementById("place-order");
  const live = form.dataset.mode === "live";

  function update() {
    const type = form.elements.namedItem("type").value;
    const sideInput = form.querySelector('input[name="side"]:checked');
    const side = sideInput ? sideInput.value : "buy";
    form.querySelectorAll("[data-show-for]").forEach((el) => {
      el.hidden = !el.dataset.showFor.split(" ").includes(type);
    });
    const option = form.elements.namedItem("symbol").selectedOptions[0];
    const market = option ? option.dataset : {};
    form.querySelectorAll('[data-unit="base"]').forEach((el) => { el.textContent = market.base || "coin"; });
    form.querySelectorAll('[data-unit="quote"]').forEach((el) => { el.textContent = market.quote || ""; });
    form.elements.namedItem("amount").placeholder = market.step ? `step ${market.step}` : "";
    form.elements.namedItem("price").placeholder = market.tick ? `tick ${market.tick}` : "";
    form.elements.namedItem("stop_price").placeholder = market.tick ? `tick ${market.tick}` : "";
    const what = `${side === "buy" ? "Buy" : "Sell"} ${market.base || ""}`;
    button.textContent = live ? `${what} — live, real money` : `${what} (testnet)`;
    button.classList.toggle("sell", side === "sell");
  }

  form.addEventListener("change", update);
  update();
})();
