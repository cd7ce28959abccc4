// The hotline dashboard (S2, L6): calls offered per half hour (bars) and the share answered
// within 20 s (line) against its 75 % target (ECharts from our own static files,
// /static/vendor/echarts/). Also: the period picker shows the date for a day, week or month
// and the from–to fields for a custom period.
(function () {
  "use strict";
  ShCharts.periodPicker("period-kind");

  var node = document.getElementById("hotline-chart");
  if (!node) return;
  var data = JSON.parse(node.textContent);
  var hasCalls = data.offered.some(function (v) { return v > 0; });
  var chart = ShCharts.make("chart-interval", hasCalls, data.labels.empty);
  if (!chart) return;
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, data: [data.labels.offered, data.labels.sl20] },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.slots },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
    ],
    series: [
      { name: data.labels.offered, type: "bar", data: data.offered, barMaxWidth: 16, itemStyle: { color: "#9bb8ad" } },
      {
        name: data.labels.sl20, type: "line", yAxisIndex: 1, data: data.sl20, connectNulls: false,
        symbolSize: 5, itemStyle: { color: "#0b6e4f" },
        markLine: {
          silent: true, symbol: "none", lineStyle: { color: "#c0392b", type: "dashed" },
          label: { formatter: data.labels.target, position: "insideEndTop" },
          data: [{ yAxis: data.target }],
        },
      },
    ],
  });
  document.getElementById("chart-interval").dataset.drawn = "1";
})();
