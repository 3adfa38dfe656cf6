// The order ticket (templates/trading/_order_ticket.html), on the paper trading page and on an
// exchange connection's page: it shows the fields its order type takes (and, where the ticket
// has a "spend" size, the spend field on a market buy), the units, steps and ticks of the
// chosen market, and says on its button what the order does, with the ticket's note: "(paper)",
// "(testnet)" or "— live, real money". The server renders the same text without JavaScript.
(function () {
  "use strict";

  function setUp(form) {
    const button = form.querySelector("#place-order");
    const note = form.dataset.submitNote || "";

    function checked(name, fallback) {
      const input = form.querySelector(`input[name="${name}"]:checked`);
      return input ? input.value : fallback;
    }

    function update() {
      const type = form.elements.namedItem("type").value;
      const side = checked("side", "buy");
      const marketBuy = type === "market" && side === "buy";
      let size = checked("size", "amount");
      if (!marketBuy && size === "quote") {
        form.querySelector('input[name="size"][value="amount"]').checked = true;
        size = "amount";
      }
      form.querySelectorAll("[data-show-for]").forEach((el) => {
        el.hidden = !el.dataset.showFor.split(" ").includes(type);
      });
      form.querySelectorAll("[data-show-when]").forEach((el) => {
        const when = el.dataset.showWhen;
        el.hidden = when === "market-buy" ? !marketBuy : when !== size;
      });
      const option = form.elements.namedItem("symbol").selectedOptions[0];
      const market = option ? option.dataset : {};
      form.querySelectorAll('[data-unit="base"]').forEach((el) => { el.textContent = market.base || "coin"; });
      form.querySelectorAll('[data-unit="quote"]').forEach((el) => { el.textContent = market.quote || ""; });
      form.elements.namedItem("amount").placeholder = market.step ? `step ${market.step}` : "";
      form.elements.namedItem("price").placeholder = market.tick ? `tick ${market.tick}` : "";
      form.elements.namedItem("stop_price").placeholder = market.tick ? `tick ${market.tick}` : "";
      button.textContent = `${side === "buy" ? "Buy" : "Sell"} ${market.base || ""} ${note}`;
      button.classList.toggle("sell", side === "sell");
    }

    form.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("form.order-ticket").forEach(setUp);
})();
