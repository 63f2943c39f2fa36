// Live countdown for elements rendered by deadlines/partials/countdown.html: each
// [data-countdown-due] shows the time left until its ISO due time, or the overrun after it.
// Loaded by every include of the partial; runs one timer per page.
(function () {
  if (window.pinzhiCountdown) return;
  window.pinzhiCountdown = true;

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function words(seconds, el) {
    var d = Math.floor(seconds / 86400);
    var h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var clock = pad(h) + ":" + pad(m) + ":" + pad(s);
    return d > 0 ? (el.dataset.dayFormat || "{days} d ").replace("{days}", d) + clock : clock;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown-due]").forEach(function (el) {
      if (el.dataset.countdownFrozen === "1") return;
      var due = Date.parse(el.dataset.countdownDue);
      if (isNaN(due)) return;
      var left = Math.round((due - now) / 1000);
      var overdue = left <= 0;
      var text = words(Math.abs(left), el);
      var label = overdue ? el.dataset.overdueLabel : el.dataset.leftLabel;
      var target = el.querySelector("[data-countdown-text]") || el;
      target.textContent = (label || "{time}").replace("{time}", text);
      el.classList.toggle("text-bg-danger", overdue);
      el.classList.toggle("text-bg-warning", !overdue && left < 3600);
      el.classList.toggle("text-bg-success", !overdue && left >= 3600);
    });
  }

  function start() { tick(); setInterval(tick, 1000); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // Content swapped in by htmx gets its countdowns at the next tick.
  document.addEventListener("htmx:afterSwap", tick);
})();
