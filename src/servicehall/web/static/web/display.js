// The calling display: shows each call large, keeps the last eight, and announces it in Chinese.
(function () {
  var root = document.getElementById("display");
  var voiceOn = false;
  var voiceBtn = document.getElementById("voice");
  voiceBtn.addEventListener("click", function () {
    voiceOn = true;  // browsers only speak after a first user gesture
    voiceBtn.hidden = true;
    speak(root.dataset.sayTemplate.replace("{number}", "").replace("{counter}", ""), true);
  });

  function spell(number) {  // "A023" -> "A 0 2 3" so each character is read out
    return number.split("").join(" ");
  }
  function speak(text, silent) {
    if (!voiceOn || !window.speechSynthesis) return;
    var u = new SpeechSynthesisUtterance(text);
    u.lang = document.documentElement.lang === "en" ? "en-US" : "zh-CN";
    u.rate = 0.9;
    if (silent) u.volume = 0;
    window.speechSynthesis.speak(u);
  }
  function show(ev) {
    document.getElementById("latest-number").textContent = ev.number;
    document.getElementById("latest-counter").textContent = ev.counter || "";
    var list = document.getElementById("recent");
    var li = document.createElement("li");
    var b = document.createElement("b");
    b.textContent = ev.number;
    var s = document.createElement("span");
    s.textContent = ev.counter || "";
    li.appendChild(b);
    li.appendChild(s);
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 8) list.removeChild(list.lastChild);
    root.classList.remove("flash");
    void root.offsetWidth;
    root.classList.add("flash");
    var text = root.dataset.sayTemplate.replace("{number}", spell(ev.number)).replace("{counter}", ev.counter || "");
    speak(text);
    speak(text);  // announced twice, as halls do
  }
  ServiceHallLive(root.dataset.events, { called: show, recalled: show }, document.getElementById("live-state"));
  setInterval(function () {
    document.getElementById("clock").textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false });
  }, 1000);
})();
