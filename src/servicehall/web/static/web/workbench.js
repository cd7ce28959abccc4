// Workbench: keep the counter's waiting count live.
(function () {
  var box = document.getElementById("waiting");
  if (!box) return;
  var pending = null;
  function refresh() {
    pending = null;
    fetch(box.dataset.partial, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html) box.innerHTML = html; });
  }
  function soon() { if (!pending) pending = setTimeout(refresh, 300); }
  ServiceHallLive(box.dataset.events, { issued: soon, called: soon, transferred: soon, moved_to_quiet: soon, cancelled: soon });
})();
