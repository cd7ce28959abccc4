// The case page: the first-response clock counts down while nobody has answered (C6: 30 s on
// the online channels) and turns red once the time has passed.
(function () {
  var clock = document.getElementById("first-response-clock");
  if (!clock) return;
  var due = Date.parse(clock.dataset.due);
  function tick() {
    var s = Math.round((due - Date.now()) / 1000);
    clock.dataset.state = s >= 0 ? "running" : "late";
    clock.textContent = (s >= 0 ? clock.dataset.left : clock.dataset.late).replace("{s}", Math.abs(s));
  }
  tick();
  setInterval(tick, 1000);
})();
