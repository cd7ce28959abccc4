// The complaint report's charts (ShCharts, charts.js): complaints by category and by day,
// appeals by source. A click on a bar opens its cases.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-charts").textContent);
  function draw(id, part, kind) {
    var some = part.values.some(function (v) { return v > 0; });
    var chart = ShCharts.make(id, some, data.labels.empty);
    if (!chart) return;
    var horizontal = kind === "hbar";
    var axis = { type: "category", data: part.names, axisLabel: { interval: horizontal ? 0 : "auto" } };
    var values = { type: "value", minInterval: 1 };
    chart.setOption({
      animation: false,
      grid: { left: horizontal ? 8 : 30, right: 16, top: 12, bottom: 24, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: horizontal ? values : axis,
      yAxis: horizontal ? axis : values,
      series: [{ type: "bar", data: part.values, barMaxWidth: 28, itemStyle: { color: "#0b6e4f" } }],
    });
    if (part.links) {
      chart.on("click", function (p) { if (part.links[p.dataIndex]) location.href = part.links[p.dataIndex]; });
    }
  }
  draw("chart-category", data.category, "hbar");
  draw("chart-day", data.day, "bar");
  draw("chart-source", data.source, "hbar");
})();
