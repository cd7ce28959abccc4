// Workbench: keep the counter's waiting count live.
(function () {
  var box = document.getElementById("waiting");
  if (!box) return;
  var refresh = ServiceHallRefresher(box, 300);
  ServiceHallLive(box.dataset.events, {
    issued: refresh.soon, called: refresh.soon, transferred: refresh.soon,
    moved_to_quiet: refresh.soon, cancelled: refresh.soon,
  });
})();
