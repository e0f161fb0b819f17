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

// "Apply" files the application through the API (POST /api/applications) with the sign-in
// cookie; without JavaScript the form posts to /search/apply, which calls the same function.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.apply-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var out = form.querySelector(".apply-result");
      var body = {
        unit_code: form.elements.unit_code.value,
        area_m2: parseFloat(form.elements.area_m2.value),
        profile: JSON.parse(form.elements.profile.value)
      };
      out.textContent = "…";
      fetch("/api/applications", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-Requested-With": "spacemap"},
        body: JSON.stringify(body)
      }).then(function (r) {
        if (r.status === 401) {
          window.location = "/login?next=/search";
          return null;
        }
        return r.json().then(function (data) { return {ok: r.ok, data: data}; });
      }).then(function (res) {
        if (!res) return;
        if (res.ok) {
          out.innerHTML = "";
          var a = document.createElement("a");
          a.href = "/my";
          a.textContent = "已提交申请 #" + res.data.id + " / application #" + res.data.id + " filed";
          a.dataset.applicationId = res.data.id;
          out.appendChild(a);
        } else {
          out.textContent = "✗ " + (res.data.detail || res.data.title);
        }
      }).catch(function (e) { out.textContent = "✗ " + e; });
    });
  });
});
