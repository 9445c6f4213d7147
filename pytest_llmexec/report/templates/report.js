(function () {
  "use strict";
  // Filters the case browser; the page is complete without it.
  var browser = document.getElementById("case-browser");
  if (!browser) {
    return;
  }
  var controls = Array.prototype.slice.call(browser.querySelectorAll("[data-filter]"));
  var cases = Array.prototype.slice.call(browser.querySelectorAll(".case"));
  var counter = document.getElementById("case-count");

  function matches(element, wanted) {
    return wanted.every(function (pair) {
      var have = element.getAttribute("data-" + pair[0]) || "";
      return pair[0] === "text" ? have.indexOf(pair[1]) !== -1 : have === pair[1];
    });
  }

  function apply() {
    var wanted = [];
    controls.forEach(function (control) {
      var value = control.value.trim();
      var key = control.getAttribute("data-filter");
      if (value) {
        wanted.push([key, key === "text" ? value.toLowerCase() : value]);
      }
    });
    var shown = 0;
    cases.forEach(function (element) {
      var ok = matches(element, wanted);
      element.hidden = !ok;
      if (ok) {
        shown += 1;
      }
    });
    counter.textContent = shown + " of " + cases.length + " tests shown";
  }

  controls.forEach(function (control) {
    control.addEventListener("input", apply);
    control.addEventListener("change", apply);
  });
  browser.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-action") === "open";
      cases.forEach(function (element) {
        if (!element.hidden) {
          element.open = open;
        }
      });
    });
  });
  browser.querySelector(".filters").hidden = false;
  apply();
})();
