// Review pages: live progress of a re-screening on the policy page. Loaded as a file (no inline script: CSP).
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (bar) { bar.max = Math.max(data.total, 1); bar.value = data.finished ? bar.max : data.done; }
          if (text) {
            text.textContent = data.status_label + ": " + data.done + " of " + data.total +
              " open submissions looked at; " + data.rescreened + " re-screened, " + data.cases_opened +
              (data.cases_opened === 1 ? " case opened, " : " cases opened, ") + data.cases_closed + " closed, " + data.priority_changed + " changed priority.";
          }
          if (!data.finished) { window.setTimeout(tick, 2000); }
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    }
    window.setTimeout(tick, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-progress-url]").forEach(poll);
  });
})();
