// Kiosk: the on-screen keypad types into the phone field (touch screens have no keyboard); the
// page follows the manager opening or closing ticketing; the slip page prints the slip once and
// returns to the start by itself after a while.
(function () {
  var input = document.getElementById("phone");
  if (input) {
    document.querySelectorAll(".keypad button").forEach(function (b) {
      b.addEventListener("click", function () {
        var k = b.dataset.key;
        if (k === "clear") input.value = "";
        else if (k === "back") input.value = input.value.slice(0, -1);
        else if (input.value.replace(/\D/g, "").length < 11) input.value += k;
        input.classList.remove("invalid");
      });
    });
  }
  var form = document.getElementById("kiosk-form");
  if (form && window.ServiceHallLive) {
    // a GET of the start page (the current one may be the answer to a POST)
    var reload = function () { if (!input || !input.value) location.href = location.pathname; };
    // After a reconnection (the stream dropped, or Redis was away) the opening or closing may
    // have been missed: reload when the server's state differs from what the page shows.
    var connectedOnce = false;
    var recheck = function () {
      if (!connectedOnce) { connectedOnce = true; return; }
      fetch(location.pathname, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var closedThere = !!new DOMParser().parseFromString(html, "text/html").getElementById("closed");
          if (closedThere !== !!document.getElementById("closed")) reload();
        });
    };
    ServiceHallLive(form.dataset.events, { ready: recheck, hall_opened: reload, hall_closed: reload });
  }
  // The slip prints itself, once per ticket (not again on a reload): a kiosk browser started
  // with --kiosk-printing sends it to the slip printer without a dialog.
  var slip = document.getElementById("ticket");
  if (slip && slip.dataset.print) {
    var key = "printed:" + slip.dataset.print;
    var printed = false;
    try { printed = sessionStorage.getItem(key) === "1"; sessionStorage.setItem(key, "1"); } catch (e) {}
    if (!printed) {
      if (document.readyState === "complete") window.print();
      else window.addEventListener("load", function () { window.print(); });
    }
  }
  var me = document.currentScript;
  if (me && me.dataset.returnTo) {
    setTimeout(function () { location.href = me.dataset.returnTo; }, +me.dataset.returnAfter || 20000);
  }
})();
