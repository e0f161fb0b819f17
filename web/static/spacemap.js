// Language switch (remembered) and sortable tables. No external scripts.
(function () {
  function setLang(lang) {
    document.body.classList.toggle("lang-en", lang === "en");
    try { localStorage.setItem("spacemap-lang", lang); } catch (e) {}
  }
  document.addEventListener("DOMContentLoaded", function () {
    var saved = null;
    try { saved = localStorage.getItem("spacemap-lang"); } catch (e) {}
    setLang(saved || "zh");
    var toggle = document.getElementById("lang-toggle");
    if (toggle) toggle.addEventListener("click", function (ev) {
      ev.preventDefault();
      setLang(document.body.classList.contains("lang-en") ? "zh" : "en");
    });
    document.querySelectorAll("table.sortable th").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var table = th.closest("table"), body = table.tBodies[0];
        var asc = th.dataset.dir !== "asc";
        table.querySelectorAll("th").forEach(function (h) { delete h.dataset.dir; });
        th.dataset.dir = asc ? "asc" : "desc";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.sort || a.cells[col].textContent.trim();
          var y = b.cells[col].dataset.sort || b.cells[col].textContent.trim();
          var nx = parseFloat(x), ny = parseFloat(y);
          var cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "zh-CN");
          return asc ? cmp : -cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
