// The command centre's dashboard: draws each panel with ECharts (served locally) from the JSON the
// page was rendered with, then refreshes every panel from the API once a minute, without a reload.
(function () {
  "use strict";
  var LEVEL_COLOURS = ["#6b7c93", "#b26a00", "#d9480f", "#c8102e"];
  var SEVERITY_COLOURS = { low: "#6b7c93", medium: "#b26a00", high: "#d9480f", critical: "#c8102e" };
  var charts = {};

  function barOption(data) {
    var horizontal = !!data.horizontal;
    var crowded = !horizontal && data.categories.length > 3;
    var category = { type: "category", data: data.categories,
                     axisLabel: { interval: 0, width: 160, overflow: "truncate", rotate: crowded ? 30 : 0 } };
    var value = { type: "value", minInterval: 1 };
    return {
      grid: { left: horizontal ? 170 : 40, right: 20, top: 30, bottom: 30, containLabel: !horizontal },
      tooltip: { trigger: "axis" },
      legend: data.series.length > 1 ? { top: 0 } : undefined,
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, stack: data.stacked ? "total" : undefined, barMaxWidth: 28,
                 itemStyle: { color: data.series.length > 1 ? undefined : "#0b3d91" } };
      })
    };
  }

  function pieOption(data) {
    return {
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "68%"], data: data.items.filter(function (item) { return item.value > 0; }).map(function (item) {
        return { name: item.name, value: item.value, itemStyle: { color: SEVERITY_COLOURS[item.key] } };
      }) }]
    };
  }

  function gaugeOption(data) {
    return { series: [{ type: "gauge", min: 0, max: 100, progress: { show: true, width: 14 },
      axisLine: { lineStyle: { width: 14 } }, detail: { formatter: "{value}" + (data.unit || ""), fontSize: 22 },
      data: [{ value: data.value, name: data.note || "" }] }] };
  }

  function mapOption(data) {
    var all = data.labels.concat(data.points);
    var lons = all.map(function (p) { return p.lon; });
    var lats = all.map(function (p) { return p.lat; });
    var pad = 0.15;
    return {
      grid: { left: 10, right: 10, top: 10, bottom: 10 },
      tooltip: { formatter: function (p) { return p.data.name + (p.data.count !== undefined ? "：" + p.data.count : ""); } },
      xAxis: { type: "value", show: false, min: Math.min.apply(null, lons) - pad, max: Math.max.apply(null, lons) + pad },
      yAxis: { type: "value", show: false, min: Math.min.apply(null, lats) - pad, max: Math.max.apply(null, lats) + pad },
      series: [
        { type: "scatter", symbolSize: 6, itemStyle: { color: "#c5cfdd" }, silent: true,
          label: { show: true, position: "right", color: "#5f6b7a", formatter: "{b}" },
          data: data.labels.map(function (p) { return { name: p.name, value: [p.lon, p.lat] }; }) },
        { type: "scatter", itemStyle: { opacity: 0.8 },
          symbolSize: function (value, params) { return params.data.size || 12 + Math.sqrt(params.data.count) * 6; },
          data: data.points.map(function (p) {
            return { name: p.name, value: [p.lon, p.lat], count: p.value, url: p.url, size: p.size,
                     itemStyle: { color: LEVEL_COLOURS[p.level] || LEVEL_COLOURS[0] } };
          }) }
      ]
    };
  }

  function esc(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function renderRanking(element, data) {
    var head = "<tr>" + data.columns.map(function (c) { return "<th>" + esc(c) + "</th>"; }).join("") + "</tr>";
    var rows = data.rows.map(function (row) {
      var cells = row.cells.map(function (c) { return "<td>" + esc(c) + "</td>"; }).join("");
      return "<tr><td><a href=\"" + esc(row.url) + "\">" + esc(row.label) + "</a></td>" + cells + "</tr>";
    }).join("");
    element.innerHTML = "<table class=\"table compact\"><thead>" + head + "</thead><tbody>" + rows + "</tbody></table>";
  }

  function draw(panel) {
    var section = document.querySelector("section.panel[data-code=\"" + panel.code + "\"]");
    if (!section) { return; }
    if (panel.kind === "figure") {
      section.querySelector(".figure-value").textContent = panel.data.value === null ? "—" : panel.data.value;
      section.querySelector(".figure-note").textContent = panel.data.note || "";
      return;
    }
    if (panel.kind === "ranking") { renderRanking(section.querySelector(".ranking"), panel.data); return; }
    var element = section.querySelector(".chart");
    var chart = charts[panel.code] || (charts[panel.code] = echarts.init(element, null, { renderer: "svg" }));
    var option = { bar: barOption, pie: pieOption, gauge: gaugeOption, scatter_map: mapOption }[panel.kind];
    if (option) { chart.setOption(option(panel.data), true); }
    if (panel.kind === "scatter_map" && !element.dataset.clicks) {
      element.dataset.clicks = "1";
      chart.on("click", function (params) { if (params.data && params.data.url) { window.location = params.data.url; } });
    }
  }

  function drawAll(panels) { panels.forEach(draw); }

  function refresh() {
    var source = document.getElementById("dashboard").dataset.source;
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (panels) {
        drawAll(panels);
        document.getElementById("dashboard-refreshed").textContent = new Date().toLocaleTimeString();
        document.getElementById("dashboard").dataset.refreshes = String(Number(document.getElementById("dashboard").dataset.refreshes || 0) + 1);
      })
      .catch(function () { /* keep the last figures; try again at the next tick */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(JSON.parse(document.getElementById("dashboard-data").textContent));
    var interval = Number(document.getElementById("dashboard").dataset.refreshMs || 60000);
    window.setInterval(refresh, interval);
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  });
})();
