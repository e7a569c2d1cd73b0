/* The intake page (受理来电), keyboard first. No inline scripts; htmx does the live suggestions.
 * - Enter in a one-line field or a select moves to the next field (never submits half a call);
 * - Ctrl+Enter (⌘+Enter) anywhere in the form and Alt+S submit with 受理并派单; the accesskeys
 *   (Alt+S, Alt+D, Alt+K, Alt+Z, Alt+B) are shown on their buttons;
 * - a form may be submitted once: a second submit (double click, an accesskey and the Alt+S
 *   handler together) is ignored;
 * - a form returned with errors focuses its first invalid field. */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), " +
    "button:not([disabled])";

  function submitMain() {
    var main = document.getElementById("intake-submit");
    if (form.requestSubmit) { form.requestSubmit(main); } else { main.click(); }
  }

  function focusNext(current) {
    var all = Array.prototype.filter.call(form.querySelectorAll(FIELDS), function (el) {
      return el.offsetParent !== null && el.tabIndex >= 0;
    });
    var next = all[all.indexOf(current) + 1];
    if (next) { next.focus(); }
  }

  // In the capture phase, so forms.js (Ctrl+Enter in a textarea on document) never submits too.
  form.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.stopPropagation();
      submitMain();
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      submitMain();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.altKey &&
        (el.tagName === "SELECT" || (el.tagName === "INPUT" && el.type !== "submit" && el.type !== "button"))) {
      event.preventDefault();
      if (el.type !== "search") { focusNext(el); }
    }
  }, true);

  form.addEventListener("submit", function (event) {
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
  });
  // Back to the page from the browser's cache: it may be submitted again.
  window.addEventListener("pageshow", function () { delete form.dataset.submitting; });

  var invalid = form.querySelector(".is-invalid");
  if (invalid) { invalid.focus(); }
})();
