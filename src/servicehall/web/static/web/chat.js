// The chat page while a person has the conversation: their replies appear as they are sent
// (server-sent events), without reloading the page or losing what the customer is typing. The
// page works without this script: 查看回复 reloads it.
(function () {
  var root = document.getElementById("chat");
  if (!root || !root.dataset.events) return;
  var log = document.getElementById("chat-log");
  var refresh = document.getElementById("chat-refresh");
  function update() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("chat-log");
        if (fresh) {
          log.innerHTML = fresh.innerHTML;
          log.lastElementChild && log.lastElementChild.scrollIntoView({ block: "end" });
        }
      });
  }
  window.ServiceHallLive(root.dataset.events, { message: update, ready: update }, root);
  if (refresh) refresh.hidden = true; // live: no need to ask
})();
