// The staff bar on a phone: the menu button folds the links and the account part open and shut;
// a badge on it repeats the badges hidden inside the folded menu (chats, alerts).
(function () {
  var toggle = document.getElementById("nav-toggle");
  if (!toggle) return;
  var bar = toggle.closest(".topbar");
  toggle.addEventListener("click", function () {
    var open = bar.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // what waits inside: unanswered chats and early-warning alerts (P5), added up
  var badges = ["chat-badge", "alert-badge"].map(function (id) { return document.getElementById(id); })
    .filter(Boolean);
  var mirror = document.getElementById("menu-badge");
  if (!badges.length || !mirror) return;
  function copy() {
    var n = 0;
    badges.forEach(function (b) { if (!b.hidden) n += parseInt(b.textContent, 10) || 0; });
    mirror.textContent = String(n);
    mirror.hidden = !n;
  }
  copy();
  badges.forEach(function (b) {
    new MutationObserver(copy).observe(b, { attributes: true, childList: true, characterData: true, subtree: true });
  });
})();
