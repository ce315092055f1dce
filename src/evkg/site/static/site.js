/* evkg report: every page works without this script (the matrix's choice by checkboxes, cells by
   <details>, print by CSS). It adds the matrix's "all / none" buttons, and opens every <details> for
   browsers whose CSS cannot (no ::details-content) when "every value" is ticked or a page is printed. */
(function () {
  "use strict";
  var cells = function () { return document.querySelectorAll("details"); };
  document.querySelectorAll(".js-only").forEach(function (el) { el.style.display = "inline"; });
  document.querySelectorAll("button[data-all], button[data-none]").forEach(function (b) {
    b.addEventListener("click", function () {
      var kind = b.getAttribute("data-all") || b.getAttribute("data-none");
      document.querySelectorAll('input[data-kind="' + kind + '"]').forEach(function (box) {
        box.checked = b.hasAttribute("data-all");
      });
    });
  });
  var full = document.getElementById("full");
  if (full) {
    full.addEventListener("change", function () {
      document.querySelectorAll("details.cell").forEach(function (d) { d.open = full.checked; });
    });
  }
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = [];
    cells().forEach(function (d) { if (!d.open) { d.open = true; opened.push(d); } });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
