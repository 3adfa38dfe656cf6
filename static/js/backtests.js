// The backtest pages' forms (templates/trading/backtest_form.html, backtests.html).
// New backtest: without this script every strategy's parameters and every stored series are
// shown, and the server reads only the chosen strategy's fields. With it: only the chosen
// strategy's parameters show (the others are disabled, so they are not sent) and the markets
// are those stored for the chosen timeframe.
// The list: "Compare" is enabled for 2 to 4 ticked runs and opens /backtests/compare/?ids=1,2.
(function () {
  "use strict";

  const form = document.getElementById("backtest-form");
  if (form) {
    const strategy = form.elements.namedItem("strategy");
    const timeframe = form.elements.namedItem("timeframe");
    const symbols = form.elements.namedItem("symbols");

    const showStrategy = function () {
      form.querySelectorAll("fieldset[data-strategy]").forEach((fieldset) => {
        const shown = fieldset.dataset.strategy === strategy.value;
        fieldset.hidden = !shown;
        fieldset.disabled = !shown;
      });
    };

    const showTimeframe = function () {
      symbols.querySelectorAll("optgroup").forEach((group) => {
        const shown = group.dataset.timeframe === timeframe.value;
        group.hidden = !shown;
        group.disabled = !shown;
        if (!shown) {
          group.querySelectorAll("option").forEach((choice) => { choice.selected = false; });
        }
      });
    };

    strategy.addEventListener("change", showStrategy);
    timeframe.addEventListener("change", showTimeframe);
    showStrategy();
    showTimeframe();
  }

  const compare = document.getElementById("compare-form");
  if (compare) {
    const button = document.getElementById("compare-runs");
    const min = Number(compare.dataset.min);
    const max = Number(compare.dataset.max);
    const ticked = () => Array.from(compare.querySelectorAll('input[name="ids"]:checked'));

    const update = function () {
      if (button) {
        const count = ticked().length;
        button.disabled = count < min || count > max;
      }
    };

    compare.addEventListener("change", update);
    compare.addEventListener("submit", (event) => {
      event.preventDefault();
      const ids = ticked().map((box) => box.value).join(",");
      window.location.assign(`${compare.action}?ids=${ids}`);
    });
    update();
  }
})();
