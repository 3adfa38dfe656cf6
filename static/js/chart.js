// Candlestick + volume chart (lightweight-charts from npm) with a live last candle.
(function () {
  "use strict";
  const el = document.getElementById("chart");
  const status = document.getElementById("chart-status");
  const lastPrice = document.getElementById("last-price");
  const tfSeconds = Number(el.dataset.timeframeSeconds);
  const chart = LightweightCharts.createChart(el, {
    autoSize: true,
    layout: { background: { color: "#ffffff" }, textColor: "#333" },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  const candles = chart.addCandlestickSeries();
  const volume = chart.addHistogramSeries({ priceFormat: { type: "volume" }, priceScaleId: "" });
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  let last = null;

  function toBar(c) {
    return {
      time: Math.floor(Date.parse(c.open_time) / 1000),
      open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close),
      volume: Number(c.volume),
    };
  }

  function draw(bar) {
    candles.update(bar);
    volume.update({ time: bar.time, value: bar.volume, color: bar.close >= bar.open ? "#26a69a80" : "#ef535080" });
  }

  // The feed sends the forming 1-minute candle; fold it into the chart's own timeframe.
  function onLiveCandle(c) {
    const one = toBar(c);
    const bucket = Math.floor(one.time / tfSeconds) * tfSeconds;
    if (last && last.time === bucket) {
      last = { ...last, high: Math.max(last.high, one.high), low: Math.min(last.low, one.low), close: one.close };
    } else if (!last || bucket > last.time) {
      last = { time: bucket, open: one.open, high: one.high, low: one.low, close: one.close, volume: one.volume };
    } else {
      return;
    }
    draw(last);
  }

  const query = new URLSearchParams({ symbol: el.dataset.symbol, timeframe: el.dataset.timeframe, limit: "500", exchange: el.dataset.exchange });
  fetch(`/api/v1/market-data/candles?${query}`)
    .then((response) => response.json())
    .then((rows) => {
      const bars = rows.map(toBar);
      candles.setData(bars);
      volume.setData(bars.map((b) => ({ time: b.time, value: b.volume, color: b.close >= b.open ? "#26a69a80" : "#ef535080" })));
      last = bars.length ? bars[bars.length - 1] : null;
      chart.timeScale().fitContent();
      el.dataset.candles = String(bars.length);
      status.textContent = bars.length ? "" : "No stored candles yet for this timeframe; live candles will appear.";
      connect();
    });

  function connect() {
    const socket = new WebSocket(`${document.body.dataset.wsBase}/ws/market/${el.dataset.wsSymbol}/`);
    socket.addEventListener("open", () => { el.dataset.live = "true"; });
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      lastPrice.textContent = frame.ticker.last;
      if (frame.candle) onLiveCandle(frame.candle);
    });
    socket.addEventListener("close", () => { el.dataset.live = "false"; setTimeout(connect, 2000); });
  }
})();
