// Draws the budget-against-actual chart (templates/finance/savings/budget.html) with Chart.js
// from the figures the server sent in a JSON data block: no inline script, so the page keeps
// to the Content Security Policy. The table beside it carries every figure; the chart is extra.
(function () {
  "use strict";

  var COLOURS = ["#1d70b8", "#0b0c0c", "#f47738"];

  function draw(holder) {
    var source = document.getElementById(holder.getAttribute("data-concord-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute(
      "aria-label",
      "Chart of each council's budget, actual to date and forecast for " +
        data.year + ": the same figures are in the tables below"
    );
    holder.appendChild(canvas);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.values,
            backgroundColor: COLOURS[index % COLOURS.length]
          };
        })
      },
      options: {
        animation: false,
        responsive: true,
        scales: { y: { beginAtZero: true, title: { display: true, text: "Pounds" } } }
      }
    });
    holder.setAttribute("data-concord-chart-drawn", "true");
  }

  function start() {
    var holders = document.querySelectorAll("[data-concord-chart]");
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
