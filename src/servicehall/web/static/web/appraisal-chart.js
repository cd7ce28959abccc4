// The appraisal page's bar chart (ECharts from our own static files, /static/vendor/echarts/):
// each staff member's appraisal score of the month, 0–100.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("appraisal-chart").textContent);
  var el = document.getElementById("chart-appraisal");
  if (!el || typeof echarts === "undefined") return; // the table stays; the chart needs the library
  if (!data.scores.some(function (v) { return v !== null; })) {
    el.classList.add("chart-empty");
    el.textContent = data.labels.empty;
    return;
  }
  var chart = echarts.init(el, null, { renderer: "canvas" });
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
  window.addEventListener("resize", function () { chart.resize(); });
})();
