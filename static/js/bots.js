// The new-bot form (templates/trading/bot_form.html). Without this script every strategy's
// parameters and every exchange's markets are shown, and the server reads only the chosen
// strategy's fields. With it: only the chosen strategy's parameters show (the others are
// disabled, so they are not sent), the timeframe follows the strategy's suggestion until
// the user picks one, the markets are those of the chosen account's exchange, and the
// real-money confirmation shows for live connections only.
(function () {
  "use strict";

  const form = document.getElementById("bot-form");
  if (!form) {
    return;
  }
  const strategy = form.elements.namedItem("strategy");
  const account = form.elements.namedItem("account");
  const timeframe = form.elements.namedItem("timeframe");
  const symbols = form.elements.namedItem("symbols");
  const live = form.querySelector("[data-show-live]");
  let timeframeChosen = false;

  function showStrategy(followTimeframe) {
    form.querySelectorAll("fieldset[data-strategy]").forEach((fieldset) => {
      const shown = fieldset.dataset.strategy === strategy.value;
      fieldset.hidden = !shown;
      fieldset.disabled = !shown;
    });
    const suggested = strategy.selectedOptions[0] && strategy.selectedOptions[0].dataset.timeframe;
    if (followTimeframe && !timeframeChosen && suggested) {
      timeframe.value = suggested;
    }
  }

  function showAccount() {
    const option = account.selectedOptions[0];
    const exchange = option ? option.dataset.exchange : "";
    symbols.querySelectorAll("optgroup").forEach((group) => {
      const shown = group.dataset.exchange === exchange;
      group.hidden = !shown;
      group.disabled = !shown;
      if (!shown) {
        group.querySelectorAll("option").forEach((choice) => { choice.selected = false; });
      }
    });
    if (live) {
      live.hidden = !option || option.dataset.mode !== "live";
    }
  }

  strategy.addEventListener("change", () => showStrategy(true));
  account.addEventListener("change", showAccount);
  timeframe.addEventListener("change", () => { timeframeChosen = true; });
  showStrategy(false);
  showAccount();
})();
