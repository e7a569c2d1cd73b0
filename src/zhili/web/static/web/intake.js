/* The intake page (受理来电), keyboard first. No inline scripts; htmx does the live suggestions.
 * - Enter in a one-line field or a select moves to the next field (never submits half a call);
 * - Ctrl+Enter (⌘+Enter) anywhere in the form submits with 受理并派单; Alt+<letter> presses the
 *   button or focuses the field with that accesskey (S 受理并派单, D 不予受理, K 知识库检索,
 *   Z 直办 with the first article, B 并入 the best duplicate), each shown on the page;
 * - a form may be submitted once: a second submit (a double click, or the browser's own
 *   accesskey and the handler below together) is ignored;
 * - text that arrives without a key (paste or drop with the mouse, autofill, an input method's
 *   committed text) asks for suggestions too: htmx listens for keyup, so one is sent;
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
    if (event.key === "Enter" && !event.shiftKey && !event.altKey &&
        (el.tagName === "SELECT" || (el.tagName === "INPUT" && el.type !== "submit" && el.type !== "button"))) {
      event.preventDefault();
      if (el.type !== "search") { focusNext(el); }
    }
  }, true);

  // Alt+<letter> → the element with that accesskey: a button is pressed, a field focused. The
  // browser does the same natively; doing it here as well makes it work with every keyboard
  // layout and browser (Firefox wants Alt+Shift), and the submit guard below stops a double.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || !/^Key[A-Z]$/.test(event.code)) { return; }
    var target = document.querySelector("[accesskey='" + event.code.slice(3).toLowerCase() + "']");
    if (!target || (!form.contains(target) && target.getAttribute("form") !== form.id)) { return; }
    event.preventDefault();
    if (target.tagName === "BUTTON") { target.click(); } else { target.focus(); }
  });

  form.addEventListener("submit", function (event) {
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
  });
  // Back to the page from the browser's cache: it may be submitted again.
  window.addEventListener("pageshow", function () { delete form.dataset.submitting; });

  form.addEventListener("input", function (event) {
    if (event.target.hasAttribute("hx-get")) {
      event.target.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    }
  });

  var invalid = form.querySelector(".is-invalid");
  if (invalid) { invalid.focus(); }
})();
