// A page part that follows a live stream: an element with data-events (the SSE URL), data-on
// (the event types, comma-separated) and data-swap (the ids of the elements to refresh, comma-
// separated) gets those elements swapped for their fresh copies from this page's URL on each
// event (live.js: ServiceHallSwap), without reloading the page or losing what is being typed. Elements with class "live-hide" (a manual refresh link)
// are hidden while the stream is live and shown again when it drops. The pages work without
// this script.
(function () {
  document.querySelectorAll("[data-events][data-swap]").forEach(function (root) {
    var id = root.dataset.swap;
    function showManual(show) {
      root.querySelectorAll(".live-hide").forEach(function (el) { el.hidden = !show; });
    }
    function swap() {
      id.split(",").forEach(function (one) {
        window.ServiceHallSwap(one).then(function (ok) {
          var here = document.getElementById(one);
          if (!ok) showManual(true);
          else if (here && here.lastElementChild) here.lastElementChild.scrollIntoView({ block: "nearest" });
        });
      });
    }
    var handlers = {
      // Every (re)connection fetches once: what was written between this page being rendered
      // (or the stream dropping) and the subscription being in place is not missed.
      ready: function () { showManual(false); swap(); },
      lost: function () { showManual(true); },
    };
    (root.dataset.on || "message").split(",").forEach(function (type) { handlers[type] = swap; });
    window.ServiceHallLive(root.dataset.events, handlers, root);
  });
})();
