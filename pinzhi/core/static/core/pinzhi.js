// Page behaviour that templates ask for with data attributes instead of inline handlers or
// style attributes, which the Content-Security-Policy refuses (issue 6 item 10):
//   data-autosubmit            a select that submits its form when changed
//   data-print                 a button that prints the page
//   data-copy="text"           a button that copies text (data-done: its label afterwards)
//   data-width-percent="42"    an element (a progress bar) that is that wide
//   data-scroll-centre="sel"   a box wider than the screen scrolled so that its first `sel`
//                              is in the middle (a workflow diagram's start on a phone)
//   data-fold-on-phone         a <details> (a list's filter bar) closed on a phone unless
//                              it shows an error; open without JavaScript
//   data-count-filters         a filter form whose active filters are counted into the
//                              [data-filter-count] badge of its <details> as they change
(function () {
  if (window.pinzhiPage) return;
  window.pinzhiPage = true;

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
    if (el.form && el.form.matches("[data-count-filters]")) countFilters(el.form);
  });

  function countFilters(form) {
    var badge = form.closest("details") && form.closest("details").querySelector("[data-filter-count]");
    if (!badge) return;
    var count = 0;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "sort" || el.name === "page") return;
      if (el.type === "hidden" && !el.hasAttribute("data-filter-counts")) return;
      if (el.type === "submit" || el.type === "button") return;
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked) count += 1; return; }
      if (el.value) count += 1;
    });
    badge.textContent = count;
    badge.classList.toggle("d-none", count === 0);
  }

  function fold(root) {
    if (!root.querySelectorAll || !window.matchMedia("(max-width: 767.98px)").matches) return;
    root.querySelectorAll("details[data-fold-on-phone]").forEach(function (box) {
      if (!box.querySelector("[data-testid=filter-errors]")) box.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    var copier = event.target.closest("[data-copy]");
    if (copier && navigator.clipboard) {
      navigator.clipboard.writeText(copier.dataset.copy).then(function () {
        if (copier.dataset.done) copier.textContent = copier.dataset.done;
      });
    }
  });

  function sizes(root) {
    if (!root.querySelectorAll) return;
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-width-percent]"));
    if (root.matches && root.matches("[data-width-percent]")) found.push(root);
    found.forEach(function (el) {
      var percent = parseFloat(el.dataset.widthPercent);
      if (!isNaN(percent)) el.style.width = Math.max(0, Math.min(100, percent)) + "%";
    });
  }

  function centre(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-scroll-centre]").forEach(function (box) {
      var target = box.querySelector(box.dataset.scrollCentre);
      if (!target || box.scrollWidth <= box.clientWidth) return;
      var outer = box.getBoundingClientRect(), inner = target.getBoundingClientRect();
      box.scrollLeft += inner.left + inner.width / 2 - (outer.left + outer.width / 2);
    });
  }

  function ready(root) { sizes(root); centre(root); }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { ready(document); });
  } else {
    ready(document);
  }
  // Only the first page load folds: content swapped in later leaves the bar as it is.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { fold(document); });
  } else {
    fold(document);
  }
  // Content swapped in by htmx.
  document.addEventListener("htmx:load", function (event) { ready(event.target); });
})();
