// Shared page behaviour, loaded on every page. The Content-Security-Policy forbids inline
// script (docs/security.md), so what used to be onchange= / hx-on / javascript: attributes is
// declared with data- attributes and wired here; charts escape data through minesafe.escape.
(function () {
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  // Text for an HTML string (ECharts tooltip formatters return HTML): names come from the
  // mines' own files and may hold markup.
  function escape(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return ENTITIES[c];
    });
  }

  window.minesafe = { escape: escape };

  // ECharts settings that keep every label whole: the grid makes room for its axis labels
  // (containLabel), long category names (mines, teams) wrap instead of being cut, pie labels
  // wrap within a width and the pie leaves room around it for them.
  window.minesafe.chart = {
    grid: function (extra) {
      return Object.assign({ left: 12, right: 28, top: 36, bottom: 12, containLabel: true }, extra || {});
    },
    categoryLabel: { interval: 0, width: 150, overflow: "break", lineHeight: 14 },
    axisLabel: { hideOverlap: true },
    pieRadius: ["32%", "58%"],
    pieLabel: { formatter: "{b}\n{c}", width: 96, overflow: "break" }
  };

  // <select data-autosubmit>: choosing an option submits its form.
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-autosubmit]") && e.target.form) {
      e.target.form.submit();
    }
  });

  // <a data-history-back>: back to the previous page (the href is the fallback).
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("[data-history-back]");
    if (link && window.history.length > 1) {
      e.preventDefault();
      window.history.back();
    }
  });

  // <button data-nav-toggle>: on a phone the top menu is folded behind a 菜单 button.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-nav-toggle]");
    if (!button) { return; }
    var header = button.closest("header");
    var open = header.classList.toggle("nav-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // [data-swap-invalid]: htmx swaps a 400 answer (the form with its errors) into the target
  // instead of treating it as a failure.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var holder = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("[data-swap-invalid]");
    if (holder && e.detail.xhr.status === 400) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
