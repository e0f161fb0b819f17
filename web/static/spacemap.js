// spacemap pages: sortable tables, applying from a search result, choosing units to compare.
// No external scripts. Every word shown comes from the page (the JSON block #spacemap-text,
// rendered from the catalog in the page's language): nothing is written here in any language.
(function () {
  "use strict";

  function texts() {
    var block = document.getElementById("spacemap-text");
    if (!block) return {};
    try { return JSON.parse(block.textContent); } catch (e) { return {}; }
  }

  // "Application #{id} filed" + {id: 12} -> "Application #12 filed"
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function sortableTables() {
    var lang = document.documentElement.lang || "zh-CN";
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
          var cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, lang);
          return asc ? cmp : -cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function signInAndComeBack() {
    var here = window.location.pathname + window.location.search;
    window.location = "/login?next=" + encodeURIComponent(here);
  }

  // "Apply" files the application through the API (POST /api/applications) with the sign-in
  // cookie; without JavaScript the form posts to /search/apply, which calls the same service.
  function applyForms(t) {
    document.querySelectorAll("form.apply-form").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var out = form.querySelector(".apply-result");
        var input = form.elements.area_m2;
        var area = parseFloat(input.value);
        var low = parseFloat(input.min), high = parseFloat(input.max);
        if (!input.checkValidity() || isNaN(area) || area < low || area > high) {
          out.textContent = fill(t.area_range, {low: input.min, high: input.max});
          out.className = "apply-result text-danger";
          input.focus();
          return;
        }
        file(t, out, "/api/applications", {
          unit_code: form.elements.unit_code.value,
          area_m2: area,
          profile: JSON.parse(form.elements.profile.value)
        });
      });
    });
  }

  // POST an application to the API and say in the form's status line what became of it.
  function file(t, out, url, body) {
    out.className = "apply-result";
    out.textContent = t.filing || "";
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-Requested-With": "spacemap"},
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 401) { signInAndComeBack(); return null; }
      return r.json().then(function (data) { return {ok: r.ok, data: data}; });
    }).then(function (res) {
      if (!res) return;
      if (res.ok) {
        out.textContent = "";
        var link = document.createElement("a");
        link.href = "/my";
        link.textContent = fill(t.filed, {id: res.data.id});
        link.dataset.applicationId = res.data.id;
        out.appendChild(link);
      } else {
        out.className = "apply-result text-danger";
        out.textContent = fill(t.refused, {reason: res.data.detail || res.data.title || ""});
      }
    }).catch(function () {
      out.className = "apply-result text-danger";
      out.textContent = t.offline || "";
    });
  }

  // A site of several units is one application (POST /api/applications/combination); without
  // JavaScript the form posts to /search/apply-site, which calls the same service.
  function applySiteForms(t) {
    document.querySelectorAll("form.apply-site-form").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var codes = form.querySelectorAll("input[name=unit_code]");
        var areas = form.querySelectorAll("input[name=area_m2]");
        var units = [];
        codes.forEach(function (c, i) {
          units.push({unit_code: c.value, area_m2: parseFloat(areas[i].value)});
        });
        file(t, form.querySelector(".apply-result"), "/api/applications/combination",
             {units: units, profile: JSON.parse(form.elements.profile.value)});
      });
    });
  }

  // Compare: the ticked results belong to #compare-form (their form= attribute); the button
  // counts them and only goes when 2 to 4 are ticked.
  function comparePicks(t) {
    var form = document.getElementById("compare-form");
    if (!form) return;
    var button = document.getElementById("compare-button");
    var hint = document.getElementById("compare-hint");
    function picked() {
      return document.querySelectorAll("input[name=unit][form=compare-form]:checked").length;
    }
    function update() {
      var n = picked();
      button.textContent = fill(t.compare, {n: n});
      button.disabled = n < 2 || n > 4;
    }
    document.querySelectorAll("input[name=unit][form=compare-form]").forEach(function (box) {
      box.addEventListener("change", update);
    });
    form.addEventListener("submit", function (ev) {
      var n = picked();
      if (n < 2 || n > 4) {
        ev.preventDefault();
        if (hint) hint.textContent = t.compare_limits || "";
      }
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var t = texts();
    sortableTables();
    applyForms(t);
    applySiteForms(t);
    comparePicks(t);
  });
})();
