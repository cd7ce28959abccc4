// Hall board: re-render the board when the hall's events arrive, and every 30 s so waits tick.
(function () {
  var box = document.getElementById("board");
  var refresh = ServiceHallRefresher(box, 250);
  var types = ["issued", "called", "recalled", "started", "finished", "no_show", "transferred",
               "moved_to_quiet", "cancelled", "counter_open", "counter_closed", "hall_opened", "hall_closed"];
  var handlers = {};
  types.forEach(function (t) { handlers[t] = refresh.soon; });
  ServiceHallLive(box.dataset.events, handlers, document.getElementById("live-state"));
  setInterval(refresh.now, 30000);
})();
