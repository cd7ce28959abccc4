// Subscribes to a hall's server-sent events. EventSource reconnects by itself after a dropped
// stream; when the server refused it outright (restart, signed out) it gives up, so we start
// a new one a few seconds later. `handlers.ready` runs on every (re)connection.
window.ServiceHallLive = function (url, handlers, stateEl) {
  function setState(s) { if (stateEl) stateEl.dataset.state = s; }
  function connect() {
    var es = new EventSource(url);
    es.addEventListener("ready", function () { setState("live"); });
    es.onerror = function () {
      setState("reconnecting");
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
    };
    Object.keys(handlers).forEach(function (type) {
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
