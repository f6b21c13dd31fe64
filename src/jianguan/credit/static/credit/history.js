// The credit file's score history: one line, blacklisted days shaded.
document.addEventListener("DOMContentLoaded", () => {
  const holder = document.getElementById("credit-history-chart");
  const source = document.getElementById("credit-history");
  if (!holder || !source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(holder);
  const marks = [];
  let start = null;
  data.days.forEach((day, i) => {
    if (data.blacklisted[i] && start === null) start = day;
    if ((!data.blacklisted[i] || i === data.days.length - 1) && start !== null) {
      marks.push([{ xAxis: start }, { xAxis: day }]);
      start = null;
    }
  });
  chart.setOption({
    grid: { left: 40, right: 16, top: 16, bottom: 40 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.days },
    yAxis: { type: "value", scale: true },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 16, bottom: 8 }],
    series: [{
      name: holder.dataset.labelScore, type: "line", step: "end", showSymbol: false, data: data.scores,
      markArea: { itemStyle: { color: "rgba(200, 30, 30, 0.12)" }, data: marks },
    }],
  });
  window.addEventListener("resize", () => chart.resize());
});
