// What every report page's chart script does first (ECharts from our own static files,
// /static/vendor/echarts/), and the period picker of the report pages.
//   ShCharts.make(id, hasData, emptyText): the chart in element `id`, resized with the window;
//     null when the element or the library is missing (the tables stay) or there is nothing
//     to draw (the element then says `emptyText`).
//   ShCharts.periodPicker(selectId): shows each field marked data-period-kinds="day week …"
//     only for the kinds it lists.
(function () {
  "use strict";
  function make(id, hasData, emptyText) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return null;
    if (!hasData) {
      el.classList.add("chart-empty");
      el.textContent = emptyText;
      return null;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  function periodPicker(selectId) {
    var select = document.getElementById(selectId);
    if (!select) return;
    function show() {
      document.querySelectorAll("[data-period-kinds]").forEach(function (el) {
        el.hidden = el.dataset.periodKinds.split(" ").indexOf(select.value) < 0;
      });
    }
    select.addEventListener("change", show);
    show();
  }
  window.ShCharts = { make: make, periodPicker: periodPicker };
})();
