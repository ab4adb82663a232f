// Open-day kiosk: back to a blank form after a while without a touch, and never show the last
// visitor's page again (not from the idle screen, not from the back button, not from the cache).
(function () {
  "use strict";
  var body = document.body;
  var idle = (parseInt(body.getAttribute("data-idle"), 10) || 90) * 1000;
  var home = body.getAttribute("data-home") || "/kiosk";
  var timer;
  function restart() {
    clearTimeout(timer);
    timer = setTimeout(function () { location.replace(home); }, idle);
  }
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true });
  });
  restart();
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) { location.replace(home); }
  });
  var print = document.getElementById("print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
  var done = document.getElementById("done");
  if (done) {
    done.addEventListener("click", function (e) {
      e.preventDefault();
      location.replace(done.getAttribute("href"));
    });
  }
})();
