// The service report's charts (ECharts from our own static files, /static/vendor/echarts/):
// tickets and the share called in time by day (with the target line), tickets by hour and
// service type (stacked), and the five satisfaction dimensions (ShCharts, charts.js). The tables
// beside them carry the same numbers, and their links the tickets behind them.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("service-charts").textContent);
  ShCharts.periodPicker("report-period");
  var green = "#0b6e4f", amber = "#c77d00", red = "#b3261e";
  var day = ShCharts.make("chart-day", data.day.names.length, data.labels.empty);
  if (day) {
    day.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 36, bottom: 24, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [data.labels.issued, data.labels.ok] },
      xAxis: { type: "category", data: data.day.names },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: data.labels.issued, type: "bar", data: data.day.issued, itemStyle: { color: "#9cc9b8" }, barMaxWidth: 22 },
        {
          name: data.labels.ok, type: "line", yAxisIndex: 1, data: data.day.ok, itemStyle: { color: green },
          markLine: { symbol: "none", lineStyle: { color: red, type: "dashed" }, label: { position: "insideEndTop", formatter: data.labels.target + " {c}%" }, data: [{ yAxis: data.day.target }] },
        },
      ],
    });
  }
  var hour = data.hour;
  var h = ShCharts.make("chart-hour", hour && hour.hours.length, data.labels.empty);
  if (h) {
    var palette = [green, "#3a7ca5", amber, "#7b5ea7", "#8a8a8a", "#d16666", "#5b8c5a"];
    h.setOption({
      animation: false,
      color: palette,
      grid: { left: 8, right: 8, top: 36, bottom: 24, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      xAxis: { type: "category", data: hour.hours.map(function (x) { return x + ":00"; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: Object.keys(hour.series).map(function (name) {
        return { name: name, type: "bar", stack: "t", data: hour.series[name], barMaxWidth: 28 };
      }),
    });
  }
  function any(values) { return values.some(function (v) { return v !== null; }); }
  var dims = ShCharts.make("chart-dims", any(data.dims.survey) || any(data.dims.rating), data.labels.empty);
  if (dims) {
    dims.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [data.labels.survey, data.labels.rating] },
      xAxis: { type: "value", min: 1, max: 5 },
      yAxis: { type: "category", data: data.dims.names },
      series: [
        { name: data.labels.survey, type: "bar", data: data.dims.survey, itemStyle: { color: green }, barMaxWidth: 14 },
        { name: data.labels.rating, type: "bar", data: data.dims.rating, itemStyle: { color: "#3a7ca5" }, barMaxWidth: 14 },
      ],
    });
  }
})();
