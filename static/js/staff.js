// Staff pages: small conveniences on top of pages that work without JavaScript.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Print day sheet" needs JavaScript, so the button stays hidden without it.
  for (const button of document.querySelectorAll(".js-print")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
