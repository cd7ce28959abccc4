// The complaint report's charts (ECharts from our own static files, /static/vendor/echarts/):
// complaints by category and by day, appeals by source. A click on a bar opens its cases.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-charts").textContent);
  if (typeof echarts === "undefined") return; // the tables stay; the charts need the library
  function draw(id, part, kind) {
    var el = document.getElementById(id);
    if (!el) return;
    if (!part.values.length) {
      el.classList.add("chart-empty");
      el.textContent = data.labels.empty;
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
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
    window.addEventListener("resize", function () { chart.resize(); });
  }
  draw("chart-category", data.category, "hbar");
  draw("chart-day", data.day, "bar");
  draw("chart-source", data.source, "hbar");
})();
