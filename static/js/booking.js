// The booking pages work without this file; it only makes them quicker on a phone:
// a tap on a day loads that day's times in place, questions that do not apply stay
// hidden, and a form that is already on its way is not sent twice.
(function () {
  "use strict";

  function markDay(picker, link) {
    picker.querySelectorAll("a[data-day]").forEach(function (day) {
      if (day === link) {
        day.setAttribute("aria-current", "true");
      } else {
        day.removeAttribute("aria-current");
      }
    });
  }

  function loadTimes(picker, link, push) {
    var times = document.getElementById("times");
    var url = new URL(picker.dataset.timesUrl, window.location.href);
    url.searchParams.set("day", link.dataset.day);
    times.classList.add("loading");
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("times " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#times");
        if (!fresh) {
          throw new Error("no times in the answer");
        }
        times.replaceWith(fresh);
        markDay(picker, link);
        if (push) {
          window.history.pushState({ day: link.dataset.day }, "", link.href);
        }
        var heading = document.getElementById("times-heading");
        if (heading) {
          heading.focus({ preventScroll: true });
          heading.scrollIntoView({ block: "start", behavior: "smooth" });
        }
      })
      .catch(function () {
        // Whatever went wrong, the plain link still works.
        window.location.assign(link.href);
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-day]");
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var picker = link.closest("[data-times-url]");
    if (!picker || !document.getElementById("times")) {
      return;
    }
    event.preventDefault();
    loadTimes(picker, link, true);
  });

  window.addEventListener("popstate", function () {
    // The URL holds the chosen day; the server renders it again.
    window.location.reload();
  });

  // Show a follow-up question only when the answer it depends on is given.
  function syncShown() {
    document.querySelectorAll("[data-show-if]").forEach(function (block) {
      var control = document.querySelector(block.dataset.showIf);
      var hasError = block.querySelector(".is-invalid") !== null;
      block.classList.toggle("is-hidden", !!control && !control.checked && !hasError);
    });
  }
  document.addEventListener("change", syncShown);
  syncShown();

  // A double tap sends a form once; the server books once anyway (idempotency key).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) {
      return;
    }
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    // Not disabled: a disabled button would drop its own name and value from the form.
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });

  // Coming back with the browser's Back button, a form may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[aria-disabled]").forEach(function (button) {
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
