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

  // "More times" loads the whole day's list in place; the week arrows load the next
  // week's strip. Both fall back to the plain link.
  function replaceFrom(url, selector, push, focusId) {
    var current = document.querySelector(selector);
    current.classList.add("loading");
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(selector + " " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector(selector);
        if (!fresh) {
          throw new Error("nothing to show");
        }
        current.replaceWith(fresh);
        if (push) {
          window.history.pushState({}, "", push);
        }
        var heading = document.getElementById(focusId);
        if (heading) {
          heading.focus({ preventScroll: true });
        }
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-more], a[data-week]");
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var picker = link.closest("[data-times-url]");
    if (!picker) {
      return;
    }
    event.preventDefault();
    var done;
    if (link.hasAttribute("data-more")) {
      var url = new URL(picker.dataset.timesUrl, window.location.href);
      url.searchParams.set("day", link.dataset.more);
      url.searchParams.set("all", "1");
      done = replaceFrom(url, "#times", link.href, "times-heading");
    } else {
      done = replaceFrom(link.href, ".picker", link.href, "day-heading");
    }
    done.catch(function () {
      window.location.assign(link.href);
    });
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

  // After a failed submit, the error summary takes the focus, so it is read and seen first.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  // Say what is wrong with a field as soon as the runner leaves it, with the browser's own
  // checks of the attributes the server also enforces; the server has the last word.
  document.addEventListener("focusout", function (event) {
    var field = event.target;
    var form = field.form;
    if (!form || !form.hasAttribute("data-inline-check") || !field.willValidate ||
        field.type === "checkbox" || field.value === "") {
      return;
    }
    var id = field.id + "_inline";
    var note = document.getElementById(id);
    // Only what this script added comes and goes: the server's messages stay until the next
    // submit, so nothing below the field jumps while the runner is tapping the next one.
    if (field.checkValidity()) {
      if (field.dataset.inlineInvalid) {
        field.classList.remove("is-invalid");
        delete field.dataset.inlineInvalid;
      }
      if (note) {
        note.remove();
      }
      return;
    }
    if (!field.classList.contains("is-invalid")) {
      field.classList.add("is-invalid");
      field.dataset.inlineInvalid = "1";
    }
    if (!note) {
      note = document.createElement("div");
      note.id = id;
      note.className = "invalid-feedback d-block";
      field.insertAdjacentElement("afterend", note);
      field.setAttribute("aria-describedby",
        ((field.getAttribute("aria-describedby") || "") + " " + id).trim());
    }
    note.textContent = field.dataset.invalid || field.validationMessage;
  });

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
