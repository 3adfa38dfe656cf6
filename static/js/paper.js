// The paper trading page: the equity curve is drawn with lightweight-charts, and an "order"
// notification for this account (relayed by notifications.js) refetches the live parts
// (portfolio, open orders, history) and swaps them. The ticket is order_ticket.js's.
(function () {
  "use strict";
  const root = document.getElementById("paper-trading");
  if (!root) return;

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
