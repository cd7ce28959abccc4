// The customer's ticket page: its state part is fetched again every 10 s (and when the phone
// comes back to the page) until the ticket is over; an open "cancel" confirmation is left alone.
(function () {
  var box = document.getElementById("mt-state");
  if (!box) return;
  var EVERY = 10000;
  function over() {
    var s = box.querySelector(".mt-state");
    return s && s.dataset.final === "1";
  }
  function refresh() {
    if (over() || document.hidden) return;
    var confirm = document.getElementById("mt-cancel");
    if (confirm && confirm.open) return;
    fetch(box.dataset.partial, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () {});
  }
  setInterval(refresh, EVERY);
  document.addEventListener("visibilitychange", refresh);
})();
