// Hall board: re-render when the hall's events arrive (a burst becomes one fetch), after a
// reconnection (events may have been missed), and every 30 s so the waits keep ticking.
(function () {
  var box = document.getElementById("board");
  var refresh = ServiceHallRefresher(box, 250);
  var types = ["ready", "issued", "called", "recalled", "started", "finished", "no_show",
               "transferred", "moved_to_quiet", "cancelled", "counter_open", "counter_closed",
               "hall_opened", "hall_closed", "closed_unserved", "counter_paused",
               "counter_resumed", "rated", "shift_plan", "counter_lines",
               // the district's early warning and incidents (P5, E1)
               "alert", "alert_handled", "incident", "incident_closed"];
  var handlers = {};
  types.forEach(function (t) { handlers[t] = refresh.soon; });
  ServiceHallLive(box.dataset.events, handlers, document.getElementById("live-state"));
  setInterval(refresh.now, 30000);
})();
