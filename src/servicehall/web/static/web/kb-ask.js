// Workbench: the knowledge assistant's question box (K3) answers in place, without reloading
// the page; without JavaScript (or when the fetch fails) the form posts and the workbench comes
// back with the answer.
(function () {
  var panel = document.getElementById("kb-ask");
  if (!panel || !window.fetch || !window.FormData) return;
  panel.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.id !== "ask-form") return;
    ev.preventDefault();
    var button = form.querySelector("button");
    var asked = new FormData(form);
    if (button) button.disabled = true;
    panel.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: asked,
      headers: { "X-ServiceHall-Partial": "assist" },
      credentials: "same-origin",
    })
      .then(function (r) {
        // signed out meanwhile (a redirect) or the server failing: the plain post says why
        if (r.redirected || r.status >= 500 || r.status === 403) throw new Error(String(r.status));
        return r.text();
      })
      .then(function (html) {
        var typing = document.getElementById("ask-question");
        var typed = typing ? typing.value : "";
        panel.innerHTML = html;
        var q = document.getElementById("ask-question");
        if (!q) return;
        if (typed !== asked.get("question")) q.value = typed; // typed on meanwhile: kept
        q.focus();
      })
      .catch(function () { form.submit(); })
      .then(function () { panel.removeAttribute("aria-busy"); });
  });
})();
