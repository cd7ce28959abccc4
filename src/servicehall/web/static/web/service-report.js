// The service report's charts (ECharts from our own static files, /static/vendor/echarts/):
// tickets and the share called in time by day (with the target line), tickets by hour and
// service type (stacked), and the five satisfaction dimensions. A click on a type's bar opens
// its tickets. The tables beside them carry the same numbers without the library.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("service-charts").textContent);
  if (typeof echarts === "undefined") return;
  var green = "#0b6e4f", amber = "#c77d00", red = "#b3261e";
  var charts = [];
  function init(id, hasData) {
    var el = document.getElementById(id);
    if (!el) return null;
    if (!hasData) {
      el.classList.add("chart-empty");
      el.textContent = data.labels.empty;
      return null;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }
  var day = init("chart-day", data.day.names.length);
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
          markLine: { symbol: "none", lineStyle: { color: red, type: "dashed" }, label: { formatter: data.labels.target + " {c}%" }, data: [{ yAxis: data.day.target }] },
        },
      ],
    });
  }
  var hour = data.hour;
  var h = init("chart-hour", hour && hour.hours.length);
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
  var dims = init("chart-dims", data.dims.survey.some(function (v) { return v !== null; }) || data.dims.rating.some(function (v) { return v !== null; }));
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
  // the period picker shows the fields its kind needs
  var period = document.getElementById("report-period");
  function showFields() {
    var kind = period.value;
    document.querySelectorAll(".pick-on").forEach(function (el) { el.hidden = !(kind === "day" || kind === "week"); });
    document.querySelectorAll(".pick-month").forEach(function (el) { el.hidden = kind !== "month"; });
    document.querySelectorAll(".pick-range").forEach(function (el) { el.hidden = kind !== "range"; });
  }
  if (period) { period.addEventListener("change", showFields); showFields(); }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
