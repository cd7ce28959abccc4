// Rating device: follow the hall's events and show the counter's state again when it changed
// (a finished service asks for a rating; a rating, a start or a sign-in returns to idle). A
// customer half-way through the form is never interrupted by an event of another counter:
// the state is swapped only when its key differs. After "thank you" it returns to idle.
(function () {
  var box = document.getElementById("rate-box");
  if (!box) return;
  if (box.dataset.thanks) {
    setTimeout(function () { window.location.replace(box.dataset.idle); }, 5000);
    return;
  }
  var asked = 0;
  function refresh() {
    var mine = ++asked;
    fetch(box.dataset.partial, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || mine !== asked) return;
        var tmp = document.createElement("div");
        tmp.innerHTML = html;
        var fresh = tmp.querySelector("#rate-state");
        var here = document.getElementById("rate-state");
        if (!fresh || !here || fresh.dataset.key === here.dataset.key) return;
        here.replaceWith(fresh);
        var err = document.getElementById("rate-error");
        if (err) err.remove();
      });
  }
  var handlers = {};
  ["ready", "finished", "started", "rated", "counter_open", "counter_closed", "counter_paused",
   "counter_resumed"].forEach(function (t) { handlers[t] = refresh; });
  ServiceHallLive(box.dataset.events, handlers, document.getElementById("live-state"));
  setInterval(refresh, 60000); // a prompt nobody answered goes after its 10 minutes
})();
