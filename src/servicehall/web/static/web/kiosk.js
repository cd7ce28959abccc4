// Kiosk keypad: types into the phone field for touch screens without a keyboard.
(function () {
  var input = document.getElementById("phone");
  document.querySelectorAll(".keypad button").forEach(function (b) {
    b.addEventListener("click", function () {
      var k = b.dataset.key;
      if (k === "clear") input.value = "";
      else if (k === "back") input.value = input.value.slice(0, -1);
      else if (input.value.length < 11) input.value += k;
    });
  });
})();
