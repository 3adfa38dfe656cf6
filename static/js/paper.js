// The paper trading page: the ticket shows the fields its order type takes, the equity curve
// is drawn with lightweight-charts, and an "order" notification for this account (relayed by
// notifications.js) refetches the live parts (portfolio, open orders, history) and swaps them.
(function () {
  "use strict";
  const root = document.getElementById("paper-trading");
  if (!root) return;

  // --- trade ticket ------------------------------------------------------------------------
  const form = document.getElementById("ticket-form");
  const button = document.getElementById("place-order");

  function checked(name, fallback) {
    const input = form.querySelector(`input[name="${name}"]:checked`);
    return input ? input.value : fallback;
  }

  function updateTicket() {
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
    button.textContent = `${side === "buy" ? "Buy" : "Sell"} ${market.base || ""} (paper)`;
    button.classList.toggle("sell", side === "sell");
  }

  if (form) {
    form.addEventListener("change", updateTicket);
    updateTicket();
  }

  // --- equity curve ------------------------------------------------------------------------
  const chartEl = document.getElementById("equity-chart");
  const chartStatus = document.getElementById("equity-status");
  let drawEquity = function () {};
  if (chartEl && window.LightweightCharts) {
    const chart = LightweightCharts.createChart(chartEl, {
      autoSize: true,
      layout: { background: { color: "#ffffff" }, textColor: "#333" },
      grid: { vertLines: { color: "#f0f0f0" }, horzLines: { color: "#f0f0f0" } },
      timeScale: { timeVisible: true, secondsVisible: false },
      rightPriceScale: { scaleMargins: { top: 0.15, bottom: 0.15 } },
    });
    const series = chart.addLineSeries({
      color: "#1f6feb",
      lineWidth: 2,
      priceFormat: { type: "price", precision: 2, minMove: 0.01 },
    });
    series.createPriceLine({
      price: Number(root.dataset.startingBalance),
      color: "#8b949e",
      lineWidth: 1,
      lineStyle: LightweightCharts.LineStyle.Dashed,
      axisLabelVisible: true,
      title: "start",
    });
    drawEquity = function () {
      const data = document.getElementById("equity-data");
      const rows = data ? JSON.parse(data.textContent) : [];
      series.setData(rows.map((row) => ({ time: row.time, value: Number(row.value) })));
      chart.timeScale().fitContent();
      chartEl.dataset.points = String(rows.length);
      chartStatus.textContent = rows.length < 2
        ? "The curve grows with every fill and every 5 minutes."
        : "";
    };
    drawEquity();
  }

  // --- live updates ------------------------------------------------------------------------
  let timer = null;
  let inFlight = false;
  let again = false;

  function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    fetch(root.dataset.liveUrl, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.text();
      })
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html");
        fresh.querySelectorAll("[data-live-part][id]").forEach((part) => {
          const current = document.getElementById(part.id);
          if (current) current.replaceWith(document.importNode(part, true));
        });
        drawEquity();
        root.dataset.refreshed = String(Number(root.dataset.refreshed || 0) + 1);
      })
      .catch(() => { root.dataset.refreshFailed = "true"; })
      .finally(() => {
        inFlight = false;
        if (again) { again = false; refresh(); }
      });
  }

  document.addEventListener("cryptopulse:notification", (event) => {
    const message = event.detail;
    if (message.kind !== "order" || !message.payload) return;
    if (String(message.payload.paper_account) !== root.dataset.account) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 150); // one refetch for a burst (e.g. a reset's cancels)
  });
})();
