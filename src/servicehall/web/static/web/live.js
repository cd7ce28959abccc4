// Subscribes to a hall's server-sent events; reconnects by itself (EventSource does).
window.ServiceHallLive = function (url, handlers, stateEl) {
  var es = new EventSource(url);
  es.addEventListener("ready", function () { if (stateEl) stateEl.dataset.state = "live"; });
  es.onerror = function () { if (stateEl) stateEl.dataset.state = "reconnecting"; };
  Object.keys(handlers).forEach(function (type) {
    es.addEventListener(type, function (e) { handlers[type](JSON.parse(e.data)); });
  });
  return es;
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
