/* Keyboard and screen-reader fixes that need the page's own content (issue #5). Runs on every page
   after Material's bundle, which wraps each table in a scrolling .md-typeset__scrollwrap. */
(function () {
  "use strict";

  /* A table wider than the screen scrolls in its own region: reachable by Tab, scrolled with the
     arrow keys, and named after its caption or the heading above it (WCAG 1.4.10, 2.1.1). */
  function tableRegions(root) {
    root.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      if (wrap.hasAttribute("tabindex")) return;
      var table = wrap.querySelector("table");
      if (!table) return;
      var name = table.caption ? table.caption.textContent : "";
      for (var el = wrap.previousElementSibling; !name && el; el = el.previousElementSibling) {
        if (/^H[1-6]$/.test(el.tagName)) name = el.textContent.replace(/\u00b6$/, "");
      }
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", "Table: " + (name || "table").trim() + " (scrolls sideways)");
    });
  }

  /* The ¶ after each heading is a link whose name would be "pilcrow": name it after its heading. */
  function headerLinks(root) {
    root.querySelectorAll("a.headerlink").forEach(function (link) {
      var heading = link.parentElement;
      if (!heading || link.hasAttribute("aria-label")) return;
      var text = Array.prototype.filter.call(heading.childNodes, function (n) { return n !== link; })
        .map(function (n) { return n.textContent; }).join("").trim();
      link.setAttribute("aria-label", "Link to this section: " + text);
    });
  }

  /* The menu and search buttons of the header are <label>s for hidden checkboxes, which Tab skips:
     on a narrow screen or at 200% zoom a keyboard user could not open the menu or the search. Each
     gets a real <button> in its place that clicks the label, then moves focus into what it opened. */
  function headerButtons() {
    [["__drawer", "Open the menu"], ["__search", "Search"]].forEach(function (pair) {
      var label = document.querySelector(".md-header label.md-header__button[for=" + pair[0] + "]");
      if (!label || label.classList.contains("report-replaced")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "md-header__button md-icon report-header-button report-header-button" + pair[0];
      button.setAttribute("aria-label", pair[1]);
      button.innerHTML = label.innerHTML;
      button.addEventListener("click", function () {
        label.click();
        if (pair[0] === "__search") {
          var input = document.querySelector(".md-search__input");
          if (input) input.focus();
        } else if (document.getElementById("__drawer").checked) {
          var first = document.querySelector(".md-sidebar--primary a[href]");
          if (first) first.focus();
        }
      });
      label.classList.add("report-replaced");
      label.parentNode.insertBefore(button, label);
    });
  }

  /* Material gives each code block's copy button a <nav> with no name; on a page with a code block,
     axe finds two unnamed navigation landmarks (landmark-unique). */
  function codeNavs(root) {
    root.querySelectorAll("nav.md-code__nav:not([aria-label])").forEach(function (nav) {
      nav.setAttribute("aria-label", "Code block");
    });
  }

  /* The previews of citations and terms, shown by CSS on hover and focus. Opened by the pointer, one stays
     open while the pointer is anywhere in the box around its link and itself (any straight way from
     the link onto it), so that its words can be read and selected; Escape hides the one shown, leaving
     the focus where it is, until the pointer or the focus comes back to its link (WCAG 1.4.13). */
  var TIPS = ".citation__tip, .term__tip";
  var hovered = null;

  function close() {
    if (hovered) hovered.classList.remove("report-tip--open");
    hovered = null;
  }

  function tips(root) {
    root.querySelectorAll(TIPS).forEach(function (tip) {
      var link = tip.previousElementSibling;
      if (!link || link.hasAttribute("data-report-tip")) return;
      link.setAttribute("data-report-tip", "");
      link.addEventListener("mouseenter", function () {
        if (hovered !== tip) close();
        hovered = tip;
        tip.classList.add("report-tip--open");
        tip.classList.remove("report-tip--dismissed");
      });
      link.addEventListener("focus", function () { tip.classList.remove("report-tip--dismissed"); });
    });
  }

  document.addEventListener("mousemove", function (event) {
    if (!hovered) return;
    var rects = [hovered.getBoundingClientRect(), hovered.previousElementSibling.getBoundingClientRect()];
    var x = event.clientX, y = event.clientY;
    if (x < Math.min(rects[0].left, rects[1].left) || x > Math.max(rects[0].right, rects[1].right) ||
        y < Math.min(rects[0].top, rects[1].top) || y > Math.max(rects[0].bottom, rects[1].bottom)) close();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(TIPS).forEach(function (tip) {
      if (getComputedStyle(tip).display !== "none") tip.classList.add("report-tip--dismissed");
    });
    close();
  });

  /* A passage's "¶" (compile/passages.py) is no Tab stop and is hidden from screen readers. One passage at a
     time gets it back: the one that holds the text caret or the selection, the one the address leads to, or
     the one reached from a section's "¶" with the Down and Up arrow keys, which move from permalink to
     permalink (the headings' and the passages'). */
  var reachable = null;

  function passageLink(node) {
    var el = node && node.nodeType !== 1 ? node.parentElement : node;
    for (el = el && el.closest(".md-content [id]"); el; el = el.parentElement && el.parentElement.closest("[id]")) {
      var link = el.querySelector('a.passage-link[href="#' + CSS.escape(el.id) + '"]');
      if (link) return link;
    }
    return null;
  }

  function reach(link) {
    if (link === reachable || !link && document.activeElement === reachable) return;
    if (reachable) {
      reachable.setAttribute("tabindex", "-1");
      reachable.setAttribute("aria-hidden", "true");
    }
    if (link) {
      link.removeAttribute("tabindex");
      link.removeAttribute("aria-hidden");
    }
    reachable = link;
  }

  function reachSelected() {
    var selection = document.getSelection();
    if (selection && selection.rangeCount) reach(passageLink(selection.focusNode));
  }

  function reachTarget() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* not percent-encoded: the id as it is */ }
    reach(id ? passageLink(document.getElementById(id)) : null);
  }

  document.addEventListener("selectionchange", reachSelected);
  window.addEventListener("hashchange", reachTarget);
  document.addEventListener("keydown", function (event) {
    var from = event.target;
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp" || event.altKey || event.ctrlKey || event.metaKey ||
        event.shiftKey || !from.matches || !from.matches(".md-content a.headerlink")) return;
    var links = Array.prototype.slice.call(document.querySelectorAll(".md-content a.headerlink"));
    var next = links[links.indexOf(from) + (event.key === "ArrowDown" ? 1 : -1)];
    if (!next) return;
    event.preventDefault();
    if (next.classList.contains("passage-link")) reach(next);
    next.focus();
  });

  function enhance() {
    codeNavs(document);
    tableRegions(document);
    headerLinks(document);
    headerButtons();
    tips(document);
    reachTarget();
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { setTimeout(enhance, 0); });
  } else {
    document.addEventListener("DOMContentLoaded", enhance);
  }
})();
