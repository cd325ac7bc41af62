// Draws each KPI's chart on a reporting dashboard (templates/reporting/_kpi_panel.html) with
// Chart.js from the figures the server sent in a JSON data block beside it: no inline script,
// so the page keeps to the Content Security Policy. The table beside each chart carries every
// figure and is the reading without JavaScript; the chart is extra.
(function () {
  "use strict";

  var UNITS = { percent: "Percent", days: "Days", gbp: "Pounds", count: "Number" };

  function draw(holder) {
    var source = document.getElementById(holder.getAttribute("data-concord-kpi-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute(
      "aria-label",
      "Chart of " + data.title + " for " + data.scope + ", month by month: the same figures are in the table"
    );
    holder.appendChild(canvas);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: data.title, data: data.values, backgroundColor: "#1d70b8" }]
      },
      options: {
        animation: false,
        responsive: true,
        plugins: { legend: { display: false } },
        scales: {
          y: {
            beginAtZero: true,
            suggestedMax: data.unit === "percent" ? 100 : undefined,
            // A count has no fractions: its axis steps in whole numbers.
            ticks: data.unit === "count" ? { precision: 0 } : {},
            title: { display: true, text: UNITS[data.unit] || "" }
          }
        }
      }
    });
    holder.setAttribute("data-concord-chart-drawn", "true");
  }

  function start() {
    var holders = document.querySelectorAll("[data-concord-kpi-chart]");
    for (var i = 0; i < holders.length; i++) {
      draw(holders[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
