// Workbench: keep the counter's waiting count and its waiting list live (and right again after
// a reconnection); the list also every 30 s, so minutes waited and "past the limit" keep up.
(function () {
  var box = document.getElementById("waiting");
  if (!box) return;
  var refresh = ServiceHallRefresher(box, 300);
  var list = document.getElementById("wb-queue");
  var refreshList = list ? ServiceHallRefresher(list, 300) : { soon: function () {}, now: function () {} };
  function both() { refresh.soon(); refreshList.soon(); }
  ServiceHallLive(box.dataset.events, {
    ready: both, issued: both, called: both, transferred: both, moved_to_quiet: both,
    cancelled: both, counter_open: both, counter_closed: both, counter_paused: both,
    counter_resumed: both, counter_lines: both,
  });
  setInterval(refreshList.now, 30000);
})();
