// Automatic sign-out, the friendly part (WCAG 2.2.1 Timing Adjustable).
// The server ends idle sessions (core/middleware.py); this script warns a minute before and offers
// "Stay signed in". When time runs out it keeps what the person typed in sessionStorage (never
// passwords or codes), goes to the sign-in page, and puts the values back on return to the same page.
(function () {
  "use strict";

  var STORE_PREFIX = "ketamine.unsaved:";
  var ACTIVITY_KEY = "ketamine.session.activity";
  var KEEP_FOR_MS = 60 * 60 * 1000; // saved values older than an hour are dropped, never restored
  var SKIP_TYPES = ["password", "hidden", "file", "submit", "button", "reset", "image"];
  var SKIP_AUTOCOMPLETE = ["one-time-code", "current-password", "new-password"];

  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "", 10);
  var signedIn = idleSeconds > 0;
  var keepaliveUrl = body.getAttribute("data-keepalive-url");
  var loginUrl = body.getAttribute("data-login-url");

  // --- keeping and restoring what was typed ------------------------------------------------------

  function storageKey(path) { return STORE_PREFIX + (path || window.location.pathname); }

  function skippable(el) {
    if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken") { return true; }
    var type = (el.type || "").toLowerCase();
    var auto = (el.getAttribute("autocomplete") || "").toLowerCase();
    return SKIP_TYPES.indexOf(type) !== -1 || SKIP_AUTOCOMPLETE.indexOf(auto) !== -1 ||
      el.hasAttribute("data-no-restore");
  }

  function changedValue(el) {
    var type = (el.type || "").toLowerCase();
    if (type === "checkbox" || type === "radio") {
      return el.checked !== el.defaultChecked ? { c: el.checked } : null;
    }
    if (el.tagName === "SELECT") {
      var changed = false;
      var selected = [];
      for (var i = 0; i < el.options.length; i++) {
        var option = el.options[i];
        if (option.selected !== option.defaultSelected) { changed = true; }
        if (option.selected) { selected.push(option.value); }
      }
      return changed ? { s: selected } : null;
    }
    return el.value !== el.defaultValue ? { v: el.value } : null;
  }

  function saveForms() {
    var fields = [];
    var forms = document.forms;
    for (var f = 0; f < forms.length; f++) {
      var elements = forms[f].elements;
      for (var e = 0; e < elements.length; e++) {
        var el = elements[e];
        if (skippable(el)) { continue; }
        var change = changedValue(el);
        if (change) {
          change.f = f;
          change.n = el.name;
          change.val = el.value; // identifies which radio or checkbox of a group
          fields.push(change);
        }
      }
    }
    if (!fields.length) { return; }
    try {
      window.sessionStorage.setItem(storageKey(), JSON.stringify({ t: Date.now(), fields: fields }));
    } catch (err) { /* storage full or disabled: nothing more we can do */ }
  }

  function restoreForms() {
    var raw;
    try { raw = window.sessionStorage.getItem(storageKey()); } catch (err) { return; }
    if (!raw) { return; }
    window.sessionStorage.removeItem(storageKey());
    var saved;
    try { saved = JSON.parse(raw); } catch (err) { return; }
    if (!saved || !saved.fields || Date.now() - saved.t > KEEP_FOR_MS) { return; }
    var restored = 0;
    saved.fields.forEach(function (field) {
      var form = document.forms[field.f];
      if (!form) { return; }
      var candidates = form.querySelectorAll("[name]");
      for (var i = 0; i < candidates.length; i++) {
        var el = candidates[i];
        if (el.name !== field.n || skippable(el)) { continue; }
        var type = (el.type || "").toLowerCase();
        if ("c" in field) {
          if ((type === "checkbox" || type === "radio") && el.value === field.val) { el.checked = field.c; restored++; }
        } else if ("s" in field && el.tagName === "SELECT") {
          for (var o = 0; o < el.options.length; o++) {
            el.options[o].selected = field.s.indexOf(el.options[o].value) !== -1;
          }
          restored++;
        } else if ("v" in field && el.tagName !== "SELECT") {
          el.value = field.v;
          restored++;
        }
      }
    });
    if (restored) { announceRestored(); }
  }

  function announceRestored() {
    var container = document.querySelector("main .container") || document.querySelector("main");
    if (!container) { return; }
    var note = document.createElement("div");
    note.className = "alert alert-info";
    note.setAttribute("role", "status");
    note.setAttribute("data-restored-note", "");
    note.textContent = gettext("We have put back what you had typed before you were signed out. Check it, then save it.");
    container.insertBefore(note, container.firstChild);
  }

  function forgetAllSaved() {
    try {
      for (var i = window.sessionStorage.length - 1; i >= 0; i--) {
        var key = window.sessionStorage.key(i);
        if (key && key.indexOf(STORE_PREFIX) === 0) { window.sessionStorage.removeItem(key); }
      }
    } catch (err) { /* nothing stored */ }
  }

  // --- the idle timer and its warning ------------------------------------------------------------

  var lastActivity = Date.now();
  var warning = null;
  var focusBefore = null;
  var expired = false;

  // A minute's warning; very short timeouts (tests, a strict clinic setting) still leave a few seconds first.
  function warnLeadMs() { return Math.min(60, Math.max(idleSeconds - 4, 1)) * 1000; }
  function deadline() { return lastActivity + idleSeconds * 1000; }

  function noteActivity(when) {
    lastActivity = when || Date.now();
    try { window.localStorage.setItem(ACTIVITY_KEY, String(lastActivity)); } catch (err) { /* private mode */ }
  }

  function otherTabsActivity() {
    var stored;
    try { stored = parseInt(window.localStorage.getItem(ACTIVITY_KEY) || "", 10); } catch (err) { return; }
    if (stored > lastActivity) { lastActivity = stored; }
  }

  function showWarning() {
    if (warning) { return; }
    focusBefore = document.activeElement;
    warning = document.createElement("div");
    warning.className = "alert alert-warning shadow session-warning";
    warning.setAttribute("role", "alertdialog");
    warning.setAttribute("aria-modal", "false");
    warning.setAttribute("aria-labelledby", "session-warning-title");
    warning.setAttribute("aria-describedby", "session-warning-detail");
    warning.setAttribute("tabindex", "-1");
    warning.setAttribute("data-session-warning", "");

    var title = document.createElement("p");
    title.id = "session-warning-title";
    title.className = "fw-semibold mb-1";
    var seconds = Math.max(1, Math.round((deadline() - Date.now()) / 1000));
    title.textContent = interpolate(gettext("You will be signed out in %s seconds for your privacy."), [seconds]);
    var detail = document.createElement("p");
    detail.id = "session-warning-detail";
    detail.className = "mb-2";
    detail.textContent = gettext("Anything you have typed on this page is kept either way.");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-primary";
    button.textContent = gettext("Stay signed in");
    button.addEventListener("click", staySignedIn);
    warning.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { staySignedIn(); }
    });

    warning.appendChild(title);
    warning.appendChild(detail);
    warning.appendChild(button);
    body.appendChild(warning);
    button.focus();
  }

  function hideWarning() {
    if (!warning) { return; }
    warning.remove();
    warning = null;
    if (focusBefore && document.contains(focusBefore) && focusBefore.focus) { focusBefore.focus(); }
    focusBefore = null;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function staySignedIn() {
    window.fetch(keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401) { expire(); return null; }
      if (response.status === 403) {
        // A stale CSRF token (signed in again in another tab): reload for a fresh one, keeping the values.
        saveForms();
        window.location.reload();
        return null;
      }
      if (!response.ok) { throw new Error("keepalive " + response.status); }
      return response.json();
    }).then(function (data) {
      if (!data) { return; }
      if (data.idle_seconds) { idleSeconds = data.idle_seconds; }
      noteActivity();
      hideWarning();
    }).catch(function () {
      // Offline for a moment: leave the warning up so the person can try again.
    });
  }

  function expire() {
    if (expired) { return; }
    expired = true;
    saveForms();
    var next = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(next));
  }

  function tick() {
    if (expired) { return; }
    otherTabsActivity();
    var remaining = deadline() - Date.now();
    if (remaining <= 0) { expire(); return; }
    if (remaining <= warnLeadMs()) { showWarning(); } else { hideWarning(); }
  }

  // --- wiring ------------------------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.querySelector("[data-sign-out]")) { forgetAllSaved(); return; }
    // A laptop that slept past the deadline: the server will ask to sign in again, so keep the values.
    if (signedIn && Date.now() >= deadline()) { saveForms(); }
  }, true);

  if (!signedIn) { return; }
  if (window.location.pathname !== loginUrl) {
    // After other scripts have built the page's forms.
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", restoreForms);
    } else {
      restoreForms();
    }
  }
  noteActivity();
  window.setInterval(tick, 1000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { tick(); }
  });
})();
