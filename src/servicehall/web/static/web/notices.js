// Staff notices: every staff page of someone who handles cases listens to their own channel.
// A chat handed over to them (or to their desk, when nobody could be picked) raises the badge
// beside 工单 / Cases, shows a notice that links to the case, beeps (where the browser lets a
// page play sound) and marks the tab's title; an element with data-refresh-on-notice (the case
// lists) is fetched again on any notice, so new and transferred cases appear without a reload.
(function () {
  var root = document.getElementById("staff-notices");
  if (!root || !window.ServiceHallLive) return;
  var badge = document.getElementById("chat-badge");
  var box = document.getElementById("notice-box");
  var title = document.title;

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      [0, 0.25].forEach(function (at) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.15, ctx.currentTime + at);
        gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + at + 0.2);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + at);
        osc.stop(ctx.currentTime + at + 0.2);
      });
      window.__noticeBeeps = (window.__noticeBeeps || 0) + 1;
    } catch (e) { /* no sound on this device: the badge and the notice remain */ }
  }

  function show(e) {
    if (badge) {
      var n = (parseInt(badge.dataset.count || "0", 10) || 0) + 1;
      badge.dataset.count = String(n);
      badge.textContent = String(n);
      badge.hidden = false;
      document.title = "(" + n + ") " + title;
    }
    var item = document.createElement("a");
    item.className = "notice";
    item.href = root.dataset.caseUrl.replace("0", String(e.case_id));
    item.dataset.number = e.number;
    var head = document.createElement("b");
    head.textContent = e.assigned ? root.dataset.textMine : root.dataset.textDesk;
    var body = document.createElement("span");
    body.textContent = e.number + " · " + e.subject;
    item.appendChild(head);
    item.appendChild(body);
    box.prepend(item);
    box.hidden = false;
    setTimeout(function () { item.remove(); box.hidden = !box.children.length; }, 60000);
    beep();
  }

  var lists = document.querySelectorAll("[data-refresh-on-notice]");
  function refreshLists() {
    lists.forEach(function (el) { window.ServiceHallSwap(el.id); });
  }

  // V2: someone reached the limit of unmasked views (quality supervisors are told)
  function alert(e) {
    var item = document.createElement("div");
    item.className = "notice notice-alert";
    var head = document.createElement("b");
    head.textContent = root.dataset.textAlert;
    var body = document.createElement("span");
    body.textContent = root.dataset.textAlertBody
      .replace("{who}", e.who || "").replace("{limit}", e.limit).replace("{minutes}", e.minutes);
    item.appendChild(head);
    item.appendChild(body);
    item.addEventListener("click", function () { item.remove(); box.hidden = !box.children.length; });
    box.prepend(item);
    box.hidden = false;
    beep();
  }

  // P5: an early-warning alert in one of the user's districts — stays until clicked, and the
  // nav's badge counts it
  function warning(e) {
    var item = document.createElement("a");
    item.className = "notice notice-alert notice-warning";
    item.href = root.dataset.incidentsUrl + "#alert-" + e.alert_id;
    item.dataset.alert = e.alert_id;
    var head = document.createElement("b");
    head.textContent = root.dataset.textWarning;
    var body = document.createElement("span");
    var en = document.documentElement.lang === "en";
    body.textContent = root.dataset.textWarningBody
      .replace("{region}", e.region || "").replace("{problem}", (en ? e.problem_en : e.problem) || "")
      .replace("{n}", e.customers);
    item.appendChild(head);
    item.appendChild(body);
    box.prepend(item);
    box.hidden = false;
    var b = document.getElementById("alert-badge");
    if (b) {
      var n = (parseInt(b.dataset.count || "0", 10) || 0) + 1;
      b.dataset.count = String(n);
      b.textContent = String(n);
      b.hidden = false;
    }
    beep();
  }

  // After a reconnection (the stream dropped, or Redis was away) hand-overs may have been
  // missed: the badge is taken again from the server, as the lists are.
  var connectedOnce = false;
  function refreshBadge() {
    if (!connectedOnce) { connectedOnce = true; return; }
    if (!badge) return;
    fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      headers: { "X-ServiceHall-Live": "1" }, // the server keeps its flash messages
    })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("chat-badge");
        if (!fresh) return;
        badge.dataset.count = fresh.dataset.count;
        badge.textContent = fresh.textContent;
        badge.hidden = fresh.hidden;
        var n = parseInt(fresh.dataset.count || "0", 10) || 0;
        document.title = n ? "(" + n + ") " + title : title;
      });
  }

  ServiceHallLive(root.dataset.events, {
    handover: function (e) { show(e); refreshLists(); },
    pii_alert: alert,
    alert: warning,
    case: refreshLists,
    ready: function () { refreshBadge(); if (lists.length) refreshLists(); },
  }, root);
})();
