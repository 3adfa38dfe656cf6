// Live notifications for a signed-in user over /ws/notifications/ (served by the ws process).
(function () {
  "use strict";
  const body = document.body;
  if (body.dataset.authenticated !== "true") return;
  const container = document.getElementById("notifications");
  let delayMs = 1000;

  function show(message) {
    const item = document.createElement("div");
    item.className = "notification";
    item.dataset.kind = message.kind;
    item.textContent = (message.payload && message.payload.text) || message.kind;
    container.appendChild(item);
    setTimeout(() => item.remove(), 10000);
  }

  function connect() {
    const socket = new WebSocket(body.dataset.wsBase + "/ws/notifications/");
    socket.addEventListener("open", () => { delayMs = 1000; body.dataset.wsState = "open"; });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type !== "notification") return;
      show(message);
      // Pages that follow a kind of notification (e.g. paper.js for "order") listen for this.
      document.dispatchEvent(new CustomEvent("cryptopulse:notification", { detail: message }));
    });
    socket.addEventListener("close", (event) => {
      body.dataset.wsState = "closed";
      if (event.code === 4401) return; // signed out: do not retry
      setTimeout(connect, delayMs);
      delayMs = Math.min(delayMs * 2, 30000);
    });
  }
  connect();
})();
