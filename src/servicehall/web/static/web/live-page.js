// A page part that follows a live stream: an element with data-events (the SSE URL), data-on
// (the event types, comma-separated) and data-swap (the id of the element to refresh) gets that
// element swapped for its fresh copy from this page's URL on each event, without reloading the
// page or losing what is being typed. Elements with class "live-hide" (a manual refresh link)
// are hidden while the stream is live and shown again when it drops. The pages work without
// this script.
(function () {
  document.querySelectorAll("[data-events][data-swap]").forEach(function (root) {
    var id = root.dataset.swap;
    var asked = 0; // the newest fetch: an older answer arriving late never overwrites it
    function showManual(show) {
      root.querySelectorAll(".live-hide").forEach(function (el) { el.hidden = !show; });
    }
    function swap() {
      var mine = ++asked;
      fetch(window.location.pathname, {
        credentials: "same-origin",
        headers: { "X-ServiceHall-Live": "1" }, // the server keeps its flash messages
      })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (mine !== asked) return;
          var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById(id);
          var here = document.getElementById(id);
          if (!fresh || !here) return;
          here.innerHTML = fresh.innerHTML;
          if (here.lastElementChild) here.lastElementChild.scrollIntoView({ block: "nearest" });
        })
        .catch(function () { showManual(true); });
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
