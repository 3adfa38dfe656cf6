// Live rows on the markets page: one socket per market, fed by the server's market feed.
(function () {
  "use strict";
  const base = document.body.dataset.wsBase;
  document.querySelectorAll("tr[data-symbol]").forEach((row) => {
    const wsSymbol = row.dataset.symbol.replace("/", "-");
    let delayMs = 1000;
    function connect() {
      const socket = new WebSocket(`${base}/ws/market/${wsSymbol}/`);
      socket.addEventListener("open", () => { delayMs = 1000; row.dataset.live = "true"; });
      socket.addEventListener("message", (event) => {
        const frame = JSON.parse(event.data);
        const t = frame.ticker;
        row.querySelector('[data-field="last"]').textContent = t.last;
        row.querySelector('[data-field="change_pct"]').textContent =
          t.change_pct === null ? "—" : `${Number(t.change_pct).toFixed(2)} %`;
        row.querySelector('[data-field="quote_volume"]').textContent =
          t.quote_volume === null ? "—" : Number(t.quote_volume).toLocaleString();
        row.dataset.updated = t.timestamp;
      });
      socket.addEventListener("close", () => {
        row.dataset.live = "false";
        setTimeout(connect, delayMs);
        delayMs = Math.min(delayMs * 2, 30000);
      });
    }
    connect();
  });
})();
