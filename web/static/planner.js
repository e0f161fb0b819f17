// The statistics page: the print button, and every table open when printing.
document.addEventListener("DOMContentLoaded", function () {
  var print = document.getElementById("print-button");
  if (print) print.addEventListener("click", function () { window.print(); });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.figure-table").forEach(function (d) { d.open = true; });
  });
});
