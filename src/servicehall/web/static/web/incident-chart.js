// The post-incident summary's contacts by hour (ECharts from our own static files).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("incident-chart").textContent);
  var el = document.getElementById("chart-hours");
  if (!el || typeof echarts === "undefined" || !data.counts.length) return;
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 30, right: 16, top: 12, bottom: 24, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.hours },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.counts, barMaxWidth: 28, itemStyle: { color: "#b23a2b" } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
