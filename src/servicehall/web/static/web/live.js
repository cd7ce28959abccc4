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
