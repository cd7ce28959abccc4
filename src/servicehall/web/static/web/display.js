// The calling display: each call shown large ("请 A023 号 / 到 1号窗口 办理"), the last eight
// listed, and announced aloud in Chinese (zh-CN speech synthesis), again on every recall.
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

  function show(ev) {
    document.getElementById("latest-number").textContent = ev.number;
    document.getElementById("latest-counter").textContent = ev.counter || "";
    document.getElementById("latest-type").textContent = typeName(ev);
    var list = document.getElementById("recent");
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
    root.classList.remove("flash");
    void root.offsetWidth; // restart the animation
    root.classList.add("flash");
    announce(ev);
  }

  // After a lost connection the screen may have missed calls: fetch the list again.
  var connectedOnce = false;
  function resync() {
    if (!connectedOnce) { connectedOnce = true; return; }
    fetch(root.dataset.partial, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) document.getElementById("recent").innerHTML = html; });
  }

  ServiceHallLive(root.dataset.events, { ready: resync, called: show, recalled: show },
                  document.getElementById("live-state"));

  var clock = document.getElementById("clock");
  var fmt = { hour12: false, timeZone: root.dataset.timeZone || undefined };
  function tick() { clock.textContent = new Date().toLocaleTimeString("zh-CN", fmt); }
  tick();
  setInterval(tick, 1000);
})();
