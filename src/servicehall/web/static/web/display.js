// The calling display: each call shown large ("请 A023 号 / 到 1号窗口 办理"), the last calls
// listed (as many as fit), the waiting count of each service type, the hall's notice line, and
// each call announced aloud in Chinese (zh-CN speech synthesis), again on every recall. Before
// the day's first call the "now calling" area welcomes customers and shows how many wait.
(function () {
  var root = document.getElementById("display");
  var voiceBtn = document.getElementById("voice");
  var voiceOn = false;
  var MAX = 8;

  // Browsers speak only after a first user gesture on the page (a kiosk browser may be started
  // with --autoplay-policy=no-user-gesture-required); the button is that gesture.
  voiceBtn.addEventListener("click", function () {
    voiceOn = true;
    voiceBtn.hidden = true;
    speak(" ", "zh-CN", 0);
  });

  function spell(number) { // "A023" -> "A 0 2 3": each character read out, not "A twenty-three"
    return number.split("").join(" ");
  }
  function say(template, ev) {
    return template.replace("{number}", spell(ev.number)).replace("{counter}", ev.counter || "");
  }
  function speak(text, lang, volume) {
    if (!voiceOn || !window.speechSynthesis) return;
    var u = new SpeechSynthesisUtterance(text);
    u.lang = lang;
    u.rate = 0.85;
    if (volume !== undefined) u.volume = volume;
    window.speechSynthesis.speak(u);
  }
  function announce(ev) {
    var zh = say(root.dataset.sayZh, ev);
    speak(zh, "zh-CN");
    speak(zh, "zh-CN"); // twice, as halls do
    if (root.dataset.sayEn) speak(say(root.dataset.sayEn, ev), "en-US");
  }

  // The page's language decides which name of the service type is shown.
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  function typeName(ev) {
    return (english && ev.service_type_en) || ev.service_type || "";
  }

  // Only as many recent calls as the screen has room for: none is cut in half.
  var list = document.getElementById("recent");
  function fit() {
    while (list.children.length > 1 && list.scrollHeight > list.clientHeight + 1) {
      list.removeChild(list.lastChild);
    }
  }

  function show(ev) {
    root.classList.remove("no-calls");
    document.getElementById("welcome").hidden = true;
    document.getElementById("calling").hidden = false;
    document.getElementById("latest-number").textContent = ev.number;
    document.getElementById("latest-counter").textContent = ev.counter || "";
    document.getElementById("latest-type").textContent = typeName(ev);
    list.querySelectorAll("li").forEach(function (li) {
      if (li.dataset.number === ev.number) li.remove(); // a recall moves the number back to the top
    });
    var li = document.createElement("li");
    li.dataset.number = ev.number;
    [["b", ev.number], ["span", typeName(ev), "rc-type"], ["span", ev.counter || "", "rc-counter"]]
      .forEach(function (part) {
        var el = document.createElement(part[0]);
        el.textContent = part[1];
        if (part[2]) el.className = part[2];
        li.appendChild(el);
      });
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX) list.removeChild(list.lastChild);
    fit();
    root.classList.remove("flash");
    void root.offsetWidth; // restart the animation
    root.classList.add("flash");
    announce(ev);
  }

  // Waiting counts per service type: fetched again after any change of the queue (a burst of
  // events is one fetch).
  var waiting = document.getElementById("waiting");
  var pending = null;
  function refreshWaiting() {
    pending = null;
    fetch(root.dataset.waiting, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        waiting.innerHTML = html;
        var total = 0;
        waiting.querySelectorAll("li").forEach(function (li) { total += +li.dataset.waiting || 0; });
        document.getElementById("welcome-total").textContent = total;
      });
  }
  function waitingSoon() { if (!pending) pending = setTimeout(refreshWaiting, 300); }

  // The notice line scrolls only when it is longer than the screen is wide.
  var notice = document.getElementById("notice");
  var noticeText = document.getElementById("notice-text");
  function layoutNotice() {
    noticeText.classList.remove("scrolling");
    if (notice.hidden) return;
    var win = noticeText.parentNode;
    if (noticeText.scrollWidth > win.clientWidth) {
      var seconds = Math.max(12, (noticeText.scrollWidth + win.clientWidth) / 80);
      noticeText.style.setProperty("--notice-from", win.clientWidth + "px");
      noticeText.style.animationDuration = seconds + "s";
      noticeText.classList.add("scrolling");
    }
  }
  function setNotice(ev) {
    noticeText.textContent = ev.notice || "";
    notice.hidden = !ev.notice;
    layoutNotice();
    fit();
  }

  // On every (re)connection — the page's first, the browser's reconnect, or the server's
  // subscription back after Redis was away — the screen may have missed calls, a notice or a
  // count: take the call, the recent calls, the counts and the notice again from the server.
  var asked = 0;
  function resync() {
    var mine = ++asked;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || mine !== asked) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["welcome", "calling"].forEach(function (id) {
          var el = fresh.getElementById(id);
          if (el) { document.getElementById(id).hidden = el.hidden; document.getElementById(id).innerHTML = el.innerHTML; }
        });
        root.classList.toggle("no-calls", !fresh.getElementById("welcome").hidden);
        list.innerHTML = fresh.getElementById("recent").innerHTML;
        waiting.innerHTML = fresh.getElementById("waiting").innerHTML;
        var freshNotice = fresh.getElementById("notice-text");
        setNotice({ notice: freshNotice ? freshNotice.textContent : "" });
      });
  }

  // the notice line is the hall's notice and its district's incidents' (E1): composed by the
  // server, so a change of either takes the page again
  var handlers = { ready: resync, notice: resync, incident: resync, incident_closed: resync };
  ["issued", "cancelled", "transferred", "moved_to_quiet", "no_show", "started", "finished"]
    .forEach(function (type) { handlers[type] = waitingSoon; });
  handlers.called = function (ev) { show(ev); waitingSoon(); };
  handlers.recalled = show;
  ServiceHallLive(root.dataset.events, handlers, document.getElementById("live-state"));

  window.addEventListener("resize", function () { layoutNotice(); fit(); });
  layoutNotice();
  fit();

  var clock = document.getElementById("clock");
  var fmt = { hour12: false, timeZone: root.dataset.timeZone || undefined };
  function tick() { clock.textContent = new Date().toLocaleTimeString("zh-CN", fmt); }
  tick();
  setInterval(tick, 1000);
})();
