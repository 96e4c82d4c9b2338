// The intake wizard's small enhancements; every page works without them (CSP: no inline script).
(function () {
  "use strict";

  // Skip logic: a block marked data-show-when="<radio name>" data-show-value="yes" shows only for that answer.
  // Without JavaScript every question shows, with a note saying which to answer; the server ignores the rest.
  function setUpSkipLogic(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      var name = block.getAttribute("data-show-when");
      var wanted = block.getAttribute("data-show-value");
      var radios = form.querySelectorAll('input[name="' + name + '"]');
      block.querySelectorAll("[data-skip-note]").forEach(function (note) { note.hidden = true; });
      function update() {
        var checked = form.querySelector('input[name="' + name + '"]:checked');
        block.hidden = !(checked && checked.value === wanted);
      }
      radios.forEach(function (radio) { radio.addEventListener("change", update); });
      update();
    });
  }

  // Repeatable rows: "Add another" clones the row template; "Remove" ticks the row's DELETE box and hides it.
  // Without JavaScript "Add another" is a submit button (the server adds a row) and each row has a Remove box.
  function setUpRows(container) {
    var prefix = container.getAttribute("data-prefix");
    var max = parseInt(container.getAttribute("data-max"), 10) || 30;
    var label = container.getAttribute("data-row-label") || "Row";
    var list = container.querySelector("[data-row-list]");
    var template = container.querySelector("[data-row-template]");
    var total = container.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var addButton = container.querySelector("[data-add-row]");
    var status = container.querySelector("[data-rows-status]");

    function visibleRows() {
      return Array.prototype.filter.call(list.querySelectorAll("[data-row]"), function (row) { return !row.hidden; });
    }
    function renumber() {
      visibleRows().forEach(function (row, index) {
        row.querySelectorAll("[data-row-number]").forEach(function (el) { el.textContent = String(index + 1); });
      });
      addButton.hidden = visibleRows().length >= max;
    }
    function enhance(row) {
      var fallback = row.querySelector("[data-remove-fallback]");
      var button = row.querySelector("[data-remove-row]");
      var box = fallback ? fallback.querySelector('input[type="checkbox"]') : null;
      if (!button || !box) { return; }
      fallback.hidden = true;
      button.hidden = false;
      if (box.checked) { row.hidden = true; }
      button.addEventListener("click", function () {
        box.checked = true;
        row.hidden = true;
        renumber();
        status.textContent = interpolate(gettext("%s removed."), [label]);
        addButton.focus();
      });
    }

    list.querySelectorAll("[data-row]").forEach(enhance);
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      if (visibleRows().length >= max || index >= max) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      list.appendChild(row);
      total.value = String(index + 1);
      enhance(row);
      renumber();
      status.textContent = interpolate(gettext("%(row)s %(number)s added."), { row: label, number: visibleRows().length }, true);
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
    renumber();
  }

  // Send the intake once: a double click cannot post twice (the server would give back the same submission anyway).
  function setUpSubmitOnce(form) {
    // Coming back to a page kept in the browser's cache: make its button usable again.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) { return; }
      form.removeAttribute("data-sending");
      form.querySelectorAll("[data-submit-once]").forEach(function (button) {
        button.removeAttribute("aria-disabled");
        if (button.dataset.label) { button.textContent = button.dataset.label; }
      });
    });
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || !submitter.hasAttribute("data-submit-once")) { return; }
      if (form.getAttribute("data-sending") === "1") { event.preventDefault(); return; }
      form.setAttribute("data-sending", "1");
      submitter.setAttribute("aria-disabled", "true");
      submitter.dataset.label = submitter.textContent;
      submitter.textContent = gettext("Sending…");
    });
  }

  // How a medicine name was read, said beside its row when the patient leaves the field (one request per
  // changed name, never per keystroke; the name goes in the body, not the URL). Without JavaScript the server
  // draws the same words with every page.
  function setUpReadBack(form, container) {
    var url = container.getAttribute("data-read-back-url");
    if (!url || !window.fetch) { return; }
    var kind = container.getAttribute("data-read-back-kind") || "medication";
    container.addEventListener("change", function (event) {
      var input = event.target;
      if (!input.classList || !input.classList.contains("drug-input")) { return; }
      var row = input.closest("[data-row]");
      var note = row && row.querySelector("[data-readback]");
      var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
      if (!note || !token) { return; }
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token.value);
      body.append("name", input.value);
      body.append("kind", kind);
      fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (read) {
          if (!read || input.value !== body.get("name")) { return; }
          note.textContent = read.text;
          note.hidden = !read.text;
          note.classList.toggle("text-warning-emphasis", !read.recognised);
        })
        .catch(function () { /* the next page load says it anyway */ });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-intake-form]").forEach(function (form) {
      setUpSkipLogic(form);
      setUpSubmitOnce(form);
      form.querySelectorAll("[data-rows]").forEach(setUpRows);
      form.querySelectorAll("[data-rows]").forEach(function (container) { setUpReadBack(form, container); });
    });
  });
})();
