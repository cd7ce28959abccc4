// The appointment book: the booking form's time list is the shown day's slots, so picking
// another date in the form shows that day (the typed phone number and service type kept).
(function () {
  "use strict";
  var form = document.getElementById("book-form");
  var day = document.getElementById("book-day");
  if (!form || !day) return;
  day.addEventListener("change", function () {
    if (!day.value || day.value === form.dataset.day) return;
    var q = new URLSearchParams({ day: day.value });
    ["hall", "phone", "service_type", "note"].forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) q.set(name, field.value);
    });
    window.location.search = "?" + q.toString() + "#book-card";
  });
})();
