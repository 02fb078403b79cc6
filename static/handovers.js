// Handover form: show only the measurement inputs the chosen product type uses.
// Without JavaScript every input is shown and the server refuses values that do not apply;
// with it, the others are hidden and disabled (so they are not sent).
(function () {
  "use strict";

  function applyRow(row) {
    var select = row.querySelector("select[data-measure-select]");
    if (!select) {
      return;
    }
    var option = select.options[select.selectedIndex];
    var names = option && option.dataset.measurements !== undefined
      ? option.dataset.measurements.split(",").filter(Boolean)
      : [];
    row.querySelectorAll("[data-measurement]").forEach(function (box) {
      var used = names.indexOf(box.dataset.measurement) !== -1;
      box.hidden = !used;
      box.querySelectorAll("input").forEach(function (input) {
        input.disabled = !used;
      });
    });
    var hint = row.querySelector("[data-measure-hint]");
    if (hint) {
      hint.hidden = true; // the inputs shown are the ones to fill in
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-device-row]").forEach(function (row) {
      applyRow(row);
      var select = row.querySelector("select[data-measure-select]");
      if (select) {
        select.addEventListener("change", function () {
          applyRow(row);
        });
      }
    });
  });
})();
