// A finished backtest's equity curve (templates/trading/backtest_detail.html), drawn with
// lightweight-charts from the report's own curve (#equity-data: UNIX seconds, money as
// strings): the marked-to-market equity and the realised balance, with the starting balance.
(function () {
  "use strict";
  const el = document.getElementById("equity-chart");
  const data = document.getElementById("equity-data");
  if (!el || !data || !window.LightweightCharts) return;
  const rows = JSON.parse(data.textContent);
  const start = Number(el.dataset.startingBalance);
  // A wallet of 1 BTC needs more decimals than one of 1,000 USDT.
  const precision = start >= 100 ? 2 : start >= 1 ? 4 : 8;
  const priceFormat = { type: "price", precision: precision, minMove: Math.pow(10, -precision) };
  const chart = LightweightCharts.createChart(el, {
    autoSize: true,
    layout: { background: { color: "#ffffff" }, textColor: "#333" },
    grid: { vertLines: { color: "#f0f0f0" }, horzLines: { color: "#f0f0f0" } },
    timeScale: { timeVisible: true, secondsVisible: false },
    rightPriceScale: { scaleMargins: { top: 0.1, bottom: 0.1 } },
  });
  const balance = chart.addLineSeries({
    color: "#8b949e",
    lineWidth: 1,
    lineType: LightweightCharts.LineType.WithSteps,
    priceFormat: priceFormat,
    title: "realised",
  });
  const equity = chart.addLineSeries({
    color: "#1f6feb",
    lineWidth: 2,
    priceFormat: priceFormat,
    title: "equity",
  });
  equity.createPriceLine({
    price: start,
    color: "#8b949e",
    lineWidth: 1,
    lineStyle: LightweightCharts.LineStyle.Dashed,
    axisLabelVisible: true,
    title: "start",
  });
  balance.setData(rows.map((row) => ({ time: row.time, value: Number(row.balance) })));
  equity.setData(rows.map((row) => ({ time: row.time, value: Number(row.equity) })));
  chart.timeScale().fitContent();
  el.dataset.points = String(rows.length);
  document.getElementById("equity-status").textContent = rows.length
    ? ""
    : "No candles in the period: nothing to draw.";
})();
