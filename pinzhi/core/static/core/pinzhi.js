// Page behaviour that templates ask for with data attributes instead of inline handlers or
// style attributes, which the Content-Security-Policy refuses (issue 6 item 10):
//   data-autosubmit            a select that submits its form when changed
//   data-print                 a button that prints the page
//   data-copy="text"           a button that copies text (data-done: its label afterwards)
//   data-width-percent="42"    an element (a progress bar) that is that wide
//   data-scroll-centre="sel"   a box wider than the screen scrolled so that its first `sel`
//                              is in the middle (a workflow diagram's start on a phone)
(function () {
  if (window.pinzhiPage) return;
  window.pinzhiPage = true;

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });

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
  // Content swapped in by htmx.
  document.addEventListener("htmx:load", function (event) { ready(event.target); });
})();
