// A page part that follows a live stream: an element with data-events (the SSE URL), data-on
// (the event types, comma-separated) and data-swap (the id of the element to refresh) gets that
// element swapped for its fresh copy from this page's URL on each event, without reloading the
// page or losing what is being typed. Elements with class "live-hide" (a manual refresh link)
// are hidden once the stream is live. The pages work without this script.
(function () {
  document.querySelectorAll("[data-events][data-swap]").forEach(function (root) {
    var id = root.dataset.swap;
    function swap() {
      fetch(window.location.pathname, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById(id);
          var here = document.getElementById(id);
          if (!fresh || !here) return;
          here.innerHTML = fresh.innerHTML;
          if (here.lastElementChild) here.lastElementChild.scrollIntoView({ block: "nearest" });
        });
    }
    var handlers = { ready: swap }; // also catches up after a reconnection
    (root.dataset.on || "message").split(",").forEach(function (type) { handlers[type] = swap; });
    window.ServiceHallLive(root.dataset.events, handlers, root);
    root.querySelectorAll(".live-hide").forEach(function (el) { el.hidden = true; });
  });
})();
