// Workbench: keep the counter's waiting count live (and right again after a reconnection).
(function () {
  var box = document.getElementById("waiting");
  if (!box) return;
  var refresh = ServiceHallRefresher(box, 300);
  ServiceHallLive(box.dataset.events, {
    ready: refresh.soon, issued: refresh.soon, called: refresh.soon, transferred: refresh.soon,
    moved_to_quiet: refresh.soon, cancelled: refresh.soon, counter_open: refresh.soon,
    counter_closed: refresh.soon,
  });
})();
