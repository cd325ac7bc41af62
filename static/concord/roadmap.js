// Draws the joint roadmap (templates/portfolio/roadmap.html) as a timeline from the same
// items the server sent in a JSON data block: a row per item, a bar from its start to its
// end (a marker for a single date), across the quarters shown. No inline script, no CDN: the
// page keeps to the Content Security Policy, and without JavaScript the tables by quarter
// below carry everything (they stay on the page; the timeline is extra).
(function () {
  "use strict";

  var DAY = 24 * 60 * 60 * 1000;

  function parse(iso) {
    var p = iso.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]);
  }

  function quarters(start, end) {
    var result = [];
    var d = new Date(start);
    while (d.getTime() <= end) {
      var q = Math.floor(d.getUTCMonth() / 3);
      result.push({ label: "Q" + (q + 1) + " " + d.getUTCFullYear(), at: d.getTime() });
      d = new Date(Date.UTC(d.getUTCFullYear(), q * 3 + 3, 1));
    }
    return result;
  }

  function draw(holder) {
    var source = document.getElementById(holder.getAttribute("data-concord-roadmap"));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var start = parse(data.start);
    var end = parse(data.end) + DAY;
    var span = end - start;
    var pct = function (t) {
      return Math.max(0, Math.min(100, ((t - start) / span) * 100));
    };

    var heading = document.createElement("h2");
    heading.className = "govuk-heading-m";
    heading.textContent = "Timeline";
    holder.appendChild(heading);
    var note = document.createElement("p");
    note.className = "govuk-body";
    note.textContent =
      "The same items as the tables by quarter below, drawn over time. Each bar or marker " +
      "is a link to its record.";
    holder.appendChild(note);

    var scale = document.createElement("div");
    scale.className = "concord-roadmap__scale";
    scale.setAttribute("aria-hidden", "true");
    quarters(start, end - DAY).forEach(function (q) {
      var tick = document.createElement("span");
      tick.className = "concord-roadmap__tick";
      tick.style.left = pct(q.at) + "%";
      tick.textContent = q.label;
      scale.appendChild(tick);
    });
    holder.appendChild(scale);

    var list = document.createElement("ul");
    list.className = "concord-roadmap__rows govuk-list";
    data.items.forEach(function (item) {
      var row = document.createElement("li");
      row.className = "concord-roadmap__row";
      var name = document.createElement("span");
      name.className = "concord-roadmap__name govuk-body-s";
      name.textContent = item.kind_label + ": " + item.label;
      row.appendChild(name);
      var track = document.createElement("span");
      track.className = "concord-roadmap__track";
      var link = document.createElement("a");
      link.href = item.url;
      var from = parse(item.start);
      var to = parse(item.end) + DAY;
      var single = item.start === item.end && item.kind !== "freeze";
      link.className =
        "concord-roadmap__bar concord-roadmap__bar--" + item.kind + (single ? " concord-roadmap__bar--point" : "");
      link.style.left = pct(from) + "%";
      if (!single) {
        link.style.width = Math.max(0.5, pct(to) - pct(from)) + "%";
      }
      var words = item.kind_label + ": " + item.label + ", " + item.start +
        (item.end !== item.start ? " to " + item.end : "");
      link.setAttribute("aria-label", words);
      link.title = words;
      track.appendChild(link);
      row.appendChild(track);
      list.appendChild(row);
    });
    holder.appendChild(list);
    holder.hidden = false;
  }

  function start() {
    var holders = document.querySelectorAll("[data-concord-roadmap]");
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
