// Kiosk: the on-screen keypad types into the phone field (touch screens have no keyboard);
// the printed-slip page returns to the start by itself after a while.
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
  var me = document.currentScript;
  if (me && me.dataset.returnTo) {
    setTimeout(function () { location.href = me.dataset.returnTo; }, +me.dataset.returnAfter || 20000);
  }
})();
