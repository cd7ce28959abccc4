// The imports page (web/imports.py): upload forms post by XMLHttpRequest to show the bytes
// sent, then open the job page; the job page polls its progress every second and reloads
// itself when the job has ended, to show the result or the error report. Without JavaScript
// the forms post plainly and the job page refreshes itself (noscript).
(function () {
  "use strict";

  function setBar(bar, percent) {
    var span = bar.querySelector("span");
    if (percent === null || percent === undefined) {
      bar.classList.add("indeterminate");
      bar.removeAttribute("aria-valuenow");
      span.style.width = "100%";
    } else {
      bar.classList.remove("indeterminate");
      bar.setAttribute("aria-valuenow", String(percent));
      span.style.width = percent + "%";
    }
  }

  document.querySelectorAll("form.upload-form").forEach(function (form) {
    var box = form.querySelector(".upload-progress");
    var bar = box.querySelector(".bar");
    var pct = box.querySelector(".upload-pct");
    var error = form.querySelector(".upload-error");
    var button = form.querySelector("button");

    function fail(text) {
      box.hidden = true;
      error.textContent = text;
      error.hidden = false;
      button.disabled = false;
    }

    form.addEventListener("submit", function (ev) {
      var input = form.querySelector("input[type=file]");
      var file = input.files && input.files[0];
      ev.preventDefault();
      if (!file) return fail(form.dataset.choose);
      if (file.size > Number(form.dataset.max)) return fail(form.dataset.tooLarge);
      error.hidden = true;
      button.disabled = true;
      box.hidden = false;
      setBar(bar, 0);
      pct.textContent = "0%";
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var p = Math.round((100 * e.loaded) / e.total);
        setBar(bar, p);
        pct.textContent = p + "%";
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status === 200 && body && body.url) {
          setBar(bar, 100);
          pct.textContent = "100%";
          window.location.assign(body.url);
        } else {
          fail((body && body.error) || form.dataset.failed);
        }
      });
      xhr.addEventListener("error", function () { fail(form.dataset.failed); });
      xhr.send(new FormData(form));
    });
  });

  var job = document.getElementById("job-progress");
  if (job && job.dataset.finished !== "1") {
    var bar = job.querySelector(".bar");
    var label = document.getElementById("job-label");
    var rows = document.getElementById("job-rows");
    var poll = function () {
      fetch(job.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return setTimeout(poll, 1000);
          setBar(bar, p.percent);
          label.textContent = p.label;
          rows.textContent = p.total ? p.done + " / " + p.total + " " + job.dataset.rows : "";
          if (p.finished) window.location.reload();
          else setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 1000); });
    };
    setTimeout(poll, 1000);
  }
})();
