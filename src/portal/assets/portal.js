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
});
