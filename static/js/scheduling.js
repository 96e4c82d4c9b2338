// Scheduling pages: say which time is chosen next to the Book button (the list of times is long).
// Loaded as a file so the Content-Security-Policy needs no inline script; the pages work without it.
(function () {
  "use strict";
  function describe(input) {
    var label = document.querySelector('label[for="' + input.id + '"]');
    var day = input.closest("details");
    var name = day ? day.querySelector(".slot-day-name") : null;
    return (name ? name.textContent.trim() + ", " : "") + (label ? label.textContent.trim() : "");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var out = document.querySelector("[data-slot-chosen]");
    if (!out) { return; }
    function update() {
      var chosen = document.querySelector('input[name="slot"]:checked');
      out.textContent = chosen ? interpolate(gettext("Chosen: %s"), [describe(chosen)]) : "";
    }
    document.addEventListener("change", function (event) {
      if (event.target && event.target.name === "slot") { update(); }
    });
    update();
  });
})();
