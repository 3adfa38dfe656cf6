// The printable compliance report's "Print" button (templates/compliance/reports/print.html).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print-report]")) {
    button.addEventListener("click", () => window.print());
  }
});
