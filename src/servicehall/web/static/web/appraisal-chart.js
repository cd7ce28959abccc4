// The appraisal page's bar chart (ECharts from our own static files, /static/vendor/echarts/):
// each staff member's appraisal score of the month, 0–100.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("appraisal-chart").textContent);
  var scored = data.scores.some(function (v) { return v !== null; });
  var chart = ShCharts.make("chart-appraisal", scored, data.labels.empty);
  if (!chart) return;
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 24, top: 12, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "value", min: 0, max: 100 },
    yAxis: { type: "category", data: data.names, inverse: true, axisLabel: { interval: 0 } },
    series: [
      { name: data.labels.score, type: "bar", data: data.scores, barMaxWidth: 18,
        itemStyle: { color: "#0b6e4f" }, label: { show: true, position: "right" } },
    ],
  });
})();
