/* Prevention examples: filter the rows of the tables by level, service and area.
   Without JavaScript the page shows everything; with it, the filter form appears. Native checkboxes,
   so it works by keyboard; the status line is announced to screen readers. */
(function () {
  "use strict";
  function setUp() {
    var form = document.getElementById("explorer");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    form.hidden = false;
    var status = document.getElementById("explorer-status");
    var links = Array.prototype.slice.call(document.querySelectorAll(".example-link"));
    function checked(name) {
      return Array.prototype.slice.call(form.querySelectorAll("input[name=" + name + "]:checked"))
        .map(function (i) { return i.value; });
    }
    function update() {
      var levels = checked("level"), services = checked("service"), areas = checked("area");
      var shown = {};
      links.forEach(function (a) {
        var ok = levels.indexOf(a.dataset.level) >= 0 &&
          a.dataset.services.split(" ").some(function (s) { return services.indexOf(s) >= 0; }) &&
          a.dataset.areas.split(" ").some(function (s) { return areas.indexOf(s) >= 0; });
        var item = a.closest("tr, li") || a;
        if (ok) { item.removeAttribute("data-filtered-out"); shown[a.getAttribute("href")] = true; }
        else item.setAttribute("data-filtered-out", "");
      });
      var n = Object.keys(shown).length;
      status.textContent = n + (n === 1 ? " example shown" : " examples shown") + " of " +
        new Set(links.map(function (a) { return a.getAttribute("href"); })).size + ".";
    }
    form.addEventListener("change", update);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    update();
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setUp);
  else document.addEventListener("DOMContentLoaded", setUp);
})();
