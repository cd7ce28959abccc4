// The staff bar on a phone: the menu button folds the links and the account part open and shut;
// a badge on it repeats the unanswered-chats badge hidden inside the folded menu.
(function () {
  var toggle = document.getElementById("nav-toggle");
  if (!toggle) return;
  var bar = toggle.closest(".topbar");
  toggle.addEventListener("click", function () {
    var open = bar.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  var badge = document.getElementById("chat-badge");
  var mirror = document.getElementById("menu-badge");
  if (!badge || !mirror) return;
  function copy() { mirror.textContent = badge.textContent; mirror.hidden = badge.hidden; }
  copy();
  new MutationObserver(copy).observe(badge, { attributes: true, childList: true, characterData: true, subtree: true });
})();
