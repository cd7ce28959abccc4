// The shift plan's chart (ECharts from our own static files, /static/vendor/echarts/): counters
// required per half hour as bars, the plan's coverage as a step line; a half hour the plan
// leaves short is drawn red.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("shift-chart-data").textContent);
  var el = document.getElementById("chart-shifts");
  if (!el) return;
  el.dataset.required = data.required.join(",");
  el.dataset.planned = data.planned.join(",");
  var any = data.required.concat(data.planned).some(function (v) { return v > 0; });
  var chart = ShCharts.make("chart-shifts", any, data.labels.empty);
  if (!chart) return;
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
    legend: { top: 0, data: [data.labels.required, data.labels.planned] },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.at, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: data.labels.required, type: "bar", barMaxWidth: 16, itemStyle: { color: "#9bb8ad" },
        data: data.required.map(function (v, i) {
          return { value: v, itemStyle: { color: v > data.planned[i] ? "#c0392b" : "#9bb8ad" } };
        }),
      },
      {
        name: data.labels.planned, type: "line", step: "middle", symbol: "none",
        data: data.planned, lineStyle: { width: 3, color: "#0b6e4f" }, itemStyle: { color: "#0b6e4f" },
      },
    ],
  });
})();
