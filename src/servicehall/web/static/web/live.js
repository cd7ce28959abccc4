// Subscribes to a stream of server-sent events. EventSource reconnects by itself after a
// dropped stream; when the server refused it outright (restart, signed out, too many streams)
// it gives up, so we start a new one later, waiting longer each time (5 s, 10 s … 2 min) until
// one is live again. `handlers.ready` runs on every (re)connection; `handlers.lost` when it drops.
window.ServiceHallLive = function (url, handlers, stateEl) {
  var wait = 5000;
  function setState(s) { if (stateEl) stateEl.dataset.state = s; }
  function connect() {
    var es = new EventSource(url);
    es.addEventListener("ready", function () { wait = 5000; setState("live"); });
    es.onerror = function () {
      setState("reconnecting");
      if (handlers.lost) handlers.lost();
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(connect, wait);
        wait = Math.min(wait * 2, 120000);
      }
    };
    Object.keys(handlers).forEach(function (type) {
      if (type === "lost") return;
      es.addEventListener(type, function (e) { handlers[type](JSON.parse(e.data || "{}")); });
    });
  }
  connect();
};

// Re-renders `box` from its data-partial URL; `soon()` coalesces bursts of events into one fetch.
window.ServiceHallRefresher = function (box, delayMs) {
  var pending = null;
  function now() {
    pending = null;
    fetch(box.dataset.partial, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html) box.innerHTML = html; });
  }
  return { now: now, soon: function () { if (!pending) pending = setTimeout(now, delayMs); } };
};

// Replaces the element `id` with its fresh copy from this page's URL, keeping the page (and
// whatever is being typed elsewhere on it). The newest call wins: an older answer arriving late
// is dropped. Resolves to true when swapped, false when the fetch failed.
window.ServiceHallSwap = (function () {
  var asked = {};
  return function (id) {
    var mine = (asked[id] = (asked[id] || 0) + 1);
    return fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      headers: { "X-ServiceHall-Live": "1" }, // the server keeps its flash messages
    })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (mine !== asked[id]) return true;
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById(id);
        var here = document.getElementById(id);
        if (!fresh || !here) return false;
        here.innerHTML = fresh.innerHTML;
        return true;
      })
      .catch(function () { return false; });
  };
})();
