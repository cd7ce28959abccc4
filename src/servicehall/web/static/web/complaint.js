// A complaint's stage forms (P1): the steps (倾听 询问 安抚 确认) and the causes are sent in the
// order they were ticked, in a hidden field; the server judges the order. Unticking takes a box
// out of the order. The order so far is shown under the boxes.
(function () {
  document.querySelectorAll("form.complaint-stage[data-order]").forEach(function (form) {
    var hidden = form.querySelector("input[name='" + form.dataset.order + "']");
    var shown = form.querySelector(".order-shown");
    var boxes = Array.prototype.slice.call(form.querySelectorAll("fieldset.in-order input[type=checkbox]"));
    var order = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    function label(value) {
      var box = form.querySelector("input[type=checkbox][value='" + value + "']");
      return box.parentNode.textContent.trim();
    }
    function update() {
      hidden.value = order.join(",");
      shown.textContent = order.map(label).join(" → ");
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        order = order.filter(function (v) { return v !== box.value; });
        if (box.checked) order.push(box.value);
        update();
      });
    });
    update();
  });
})();
