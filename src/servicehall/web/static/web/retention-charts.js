// The retention report's charts (ShCharts, charts.js): cases by reason and attempts by level,
// each with how many were retained.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("retention-charts").textContent);
  function draw(id, part, total) {
    var some = part.values.some(function (v) { return v > 0; });
    var chart = ShCharts.make(id, some, data.labels.empty);
    if (!chart) return;
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, data: [total, data.labels.retained] },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: part.names, inverse: true, axisLabel: { interval: 0 } },
      series: [
        { name: total, type: "bar", data: part.values, barMaxWidth: 18, itemStyle: { color: "#9bb8ad" } },
        { name: data.labels.retained, type: "bar", data: part.retained, barMaxWidth: 18, itemStyle: { color: "#0b6e4f" } },
      ],
    });
  }
  draw("chart-reason", data.reason, data.labels.cases);
  draw("chart-level", data.level, data.labels.attempts);
})();
