/* Keyboard use of Zhili's forms (no inline scripts; Bootstrap's bundle is loaded before this).
 * - an action form opened under its button gets the focus on its first field;
 * - a form returned with errors focuses its first invalid field;
 * - Ctrl+Enter (⌘+Enter) in a multi-line box submits its form (Enter adds a line there);
 * - /requests/<n>/#act-reopen opens that action's form;
 * - [data-check-all] ticks every checkbox named by its value (the inbox's 全选);
 * - the dispatch form's category select (data-catalogue: {category id: [unit id, note]}) picks
 *   the dispatch catalogue's lead unit for a corrected category and shows its rule; with no rule
 *   the chosen unit stays and the note says to choose by hand. */
(function () {
  "use strict";
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  function focusFirst(container, invalidFirst) {
    var target = (invalidFirst && container.querySelector(".is-invalid")) || container.querySelector(FIELDS) ||
      container.querySelector("button[type=submit]");
    if (target) { target.focus(); }
  }

  document.addEventListener("shown.bs.collapse", function (event) {
    if (event.target.classList.contains("action-panel")) { focusFirst(event.target, false); }
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && box.tagName === "TEXTAREA" && box.form) {
      event.preventDefault();
      if (box.form.requestSubmit) { box.form.requestSubmit(); } else { box.form.submit(); }
    }
  });

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (!all) { return; }
    document.querySelectorAll("input[type=checkbox][name='" + all.getAttribute("data-check-all") + "']")
      .forEach(function (box) { box.checked = all.checked; });
  });

  document.addEventListener("change", function (event) {
    var category = event.target;
    if (!category.matches || !category.matches("select[data-catalogue]")) { return; }
    var unit = document.getElementById(category.getAttribute("data-catalogue-unit"));
    if (!unit) { return; }
    var found = JSON.parse(category.getAttribute("data-catalogue"))[category.value];
    if (found) { unit.value = String(found[0]); }
    var note = document.getElementById(unit.id + "_helptext");
    if (note) { note.textContent = found ? found[1] : category.getAttribute("data-catalogue-none"); }
  });

  var open = document.querySelector(".action-panel.show");
  if (open) {
    focusFirst(open, true);
  } else if (/^#act-[a-z_]+$/.test(window.location.hash)) {
    var panel = document.querySelector(window.location.hash + ".action-panel");
    if (panel && window.bootstrap) { window.bootstrap.Collapse.getOrCreateInstance(panel).show(); }
  }
})();
