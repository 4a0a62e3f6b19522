/* Strides charts (docs/adr/0008-charts.md): renders every [data-chart] element from the
   Vega-Lite spec in the JSON element it names (written by Django's json_script).
   CSP-safe: vega evaluates expressions with vega-interpreter (ast: true), never new Function;
   vega-embed adds no <style> (defaultStyle: false, tooltip without its default style: the
   styles are in charts.css) and no actions menu. SVG, so text stays text and zooms cleanly. */
(function () {
  "use strict";

  var UK_TIME = {
    dateTime: "%a %e %b %Y %X", date: "%d/%m/%Y", time: "%H:%M:%S", periods: ["AM", "PM"],
    days: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    shortDays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    months: ["January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"],
    shortMonths: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  };
  var UK_NUMBERS = { decimal: ".", thousands: ",", grouping: [3], currency: ["£", ""], minus: "\u2212" };

  function fail(element, error) {
    element.setAttribute("data-chart-state", "failed");
    element.textContent = "This chart could not be drawn. The table beside it has the same figures.";
    if (window.console) { window.console.error("Strides chart", element.id, error); }
  }

  // Specs of charts that arrived in an htmx swap, by id: htmx (allowScriptTags off, for the CSP)
  // drops every <script> element of swapped content, the JSON ones too, so they are read from
  // the response before the swap (htmx:beforeSwap below).
  var swappedSpecs = {};

  function render(element) {
    if (element.hasAttribute("data-chart-state")) { return; }
    var id = element.getAttribute("data-chart");
    var source = document.getElementById(id);
    var text = source ? source.textContent : swappedSpecs[id];
    if (text === undefined) { return; }
    element.setAttribute("data-chart-state", "drawing");
    if (!window.vegaEmbed || !window.vegaInterpreter) {
      fail(element, new Error("the chart scripts did not load"));
      return;
    }
    var spec;
    try {
      spec = JSON.parse(text);
    } catch (error) {
      fail(element, error);
      return;
    }
    // The figure's caption already shows the title on screen; print keeps it in the spec.
    delete spec.title;
    window.vegaEmbed(element, spec, {
      renderer: "svg",
      actions: false,
      defaultStyle: false,
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      tooltip: { disableDefaultStyle: true, theme: "strides" },
      formatLocale: UK_NUMBERS,
      timeFormatLocale: UK_TIME,
      // Vega-Lite warns about every faceted chart whose panels have their own scale (by design
      // here: each subject lists its own schools); errors still reach the console.
      logLevel: window.vega.Error
    }).then(function () {
      element.setAttribute("data-chart-state", "drawn");
    }).catch(function (error) {
      fail(element, error);
    });
  }

  function renderAll(root) {
    var elements = (root || document).querySelectorAll("[data-chart]");
    for (var i = 0; i < elements.length; i++) { render(elements[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  } else {
    renderAll(document);
  }
  // Charts that arrive in an htmx swap are drawn too (the whole document: an outerHTML swap's
  // event fires on the element it replaced; drawn charts are skipped).
  var filling = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    filling = !!(target && target.id === "dashboard-body" && target.hasAttribute("aria-busy"));
    var response = event.detail && event.detail.serverResponse;
    if (typeof response === "string" && response.indexOf("application/json") !== -1) {
      // a parsed document runs no script: this only reads the specs' text
      var parsed = new DOMParser().parseFromString(response, "text/html");
      var specs = parsed.querySelectorAll('script[type="application/json"][id]');
      for (var i = 0; i < specs.length; i++) { swappedSpecs[specs[i].id] = specs[i].textContent; }
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    renderAll(document);
    // A page whose figures were still being worked out (dashboards/base.html) has just filled
    // in: say so to screen readers, whose place in the page the swap took away.
    var announce = document.getElementById("dashboard-announce");
    if (filling && announce) { announce.textContent = "The figures are ready."; }
    filling = false;
  });
}());
