// The page of a case handed over from a chat: what the customer writes appears on the timeline
// as they send it (server-sent events), without reloading the page or losing a reply being typed.
(function () {
  var root = document.getElementById("case");
  if (!root || !root.dataset.events) return;
  function update() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var timeline = fresh.getElementById("timeline");
        if (timeline) document.getElementById("timeline").innerHTML = timeline.innerHTML;
      });
  }
  window.ServiceHallLive(root.dataset.events, { chat: update }, root);
})();
