// Light enhancement only: every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // a form that came back with errors: bring its summary into view and focus
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
  // print buttons (hidden without JavaScript, where the browser's own
  // print command does the same)
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
  followImport();
});

// A running import's report follows it until it ends: the page is fetched
// again every few seconds and only its progress is replaced, inside the
// same polite status element, so focus and reading place stay; once the
// import ends the report takes the place of the page's main part and gets
// the focus. A button pauses it (WCAG 2.2.2); without JavaScript a link
// shows the progress now.
function followImport() {
  var region = document.querySelector("[data-follow]");
  if (!region) {
    return;
  }
  var every = 3000;
  var paused = false;
  var pause = document.querySelector("[data-follow-pause]");
  var later = function () {
    window.setTimeout(refresh, every);
  };
  var refresh = function () {
    if (paused) {
      return;
    }
    fetch(region.getAttribute("data-follow"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error("not the report");
        }
        return response.text();
      })
      .then(function (text) {
        var next = new DOMParser().parseFromString(text, "text/html");
        var nextRegion = next.getElementById("import-progress");
        if (!nextRegion) {
          throw new Error("not the report");
        }
        if (nextRegion.hasAttribute("data-follow")) {
          region.querySelector("[role=status]").textContent =
            nextRegion.querySelector("[role=status]").textContent;
          region.querySelector("dl").replaceWith(nextRegion.querySelector("dl"));
          later();
          return;
        }
        var main = document.querySelector("main");
        main.replaceChildren.apply(main, Array.from(next.querySelector("main").childNodes));
        main.focus();
      })
      .catch(function () {
        // signed out, or the server away: the page as it is now, whole
        window.location.reload();
      });
  };
  if (pause) {
    pause.hidden = false;
    pause.addEventListener("click", function () {
      paused = !paused;
      pause.setAttribute("aria-pressed", paused ? "true" : "false");
      if (!paused) {
        refresh();
      }
    });
  }
  later();
}
