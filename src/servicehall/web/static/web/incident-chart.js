// The post-incident summary's contacts by hour (ShCharts, charts.js); no chart without counts.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("incident-chart").textContent);
  if (!data.counts.length) return;
  var chart = ShCharts.make("chart-hours", true, "");
  if (!chart) return;
  chart.setOption({
    animation: false,
    grid: { left: 30, right: 16, top: 12, bottom: 24, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.hours },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.counts, barMaxWidth: 28, itemStyle: { color: "#b23a2b" } }],
  });
})();
