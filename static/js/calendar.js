// The front desk's calendar: book from a free slot in a panel, move a session by dragging it
// or from its "Move" link, find clients as you type. Without JavaScript every slot and "Move"
// link opens its form page, which does the same. The server renders every form and refusal;
// this script only fetches them, and asks "Email the client?" before a drop moves a session.
"use strict";

(() => {
  const panel = document.getElementById("panel");
  const panelBody = document.getElementById("panel-body");
  const askEmail = document.getElementById("ask-email");
  const notice = document.getElementById("cal-notice");
  if (!panel || !document.getElementById("calendar")) return;

  const csrf = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";

  function say(html) {
    notice.replaceChildren();
    notice.append(...html);
    notice.hidden = false;
  }

  function text(tag, content, className) {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  // --- the panel: a server-rendered form in a dialog ---------------------------------------

  async function openPanel(url) {
    const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) {
      window.location.assign(url); // the form page says what is wrong
      return;
    }
    panelBody.innerHTML = await response.text();
    if (!panel.open) panel.showModal();
    bindPanel();
    (panelBody.querySelector(".js-client-search") || panelBody.querySelector("input:not([type=hidden]), select"))?.focus();
  }

  function bindPanel() {
    for (const button of panelBody.querySelectorAll(".js-panel-close")) {
      button.addEventListener("click", () => panel.close());
    }
    const form = panelBody.querySelector("form");
    form?.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("[type=submit]");
      if (button) button.disabled = true;
      const response = await fetch(form.action || window.location.href, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (response.redirected && response.ok) {
        // The redirect was followed here: that page carries the day and its message.
        panel.close();
        await replaceCalendar(response);
        return;
      }
      panelBody.innerHTML = await response.text();
      bindPanel();
      panelBody.querySelector(".alert, .is-invalid")?.scrollIntoView({ block: "nearest" });
    });
    bindClientSearch();
  }

  function bindClientSearch() {
    const search = panelBody.querySelector(".js-client-search");
    if (!search) return;
    const results = panelBody.querySelector("#panel-results");
    const newClient = panelBody.querySelector(".new-client");
    let timer = 0;
    let pending = null;
    search.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(async () => {
        pending?.abort();
        pending = new AbortController();
        // POST: the term (a name, email or phone) stays out of URLs, history and logs.
        const body = new FormData();
        body.set("q", search.value.trim());
        try {
          const response = await fetch(search.dataset.url, {
            method: "POST",
            body,
            signal: pending.signal,
            credentials: "same-origin",
            headers: { "X-CSRFToken": csrf() },
          });
          if (response.ok) results.innerHTML = await response.text();
        } catch (error) {
          if (error.name !== "AbortError") throw error;
        }
      }, 250);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // Enter searches; it books nothing
    });
    panelBody.addEventListener("change", (event) => {
      if (event.target.name === "client" && newClient) newClient.hidden = event.target.value !== "";
    });
  }

  panel.addEventListener("close", () => panelBody.replaceChildren());

  document.addEventListener("click", (event) => {
    const link = event.target.closest(".slot, .appt-move");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const url = new URL(link.href);
    url.searchParams.set("panel", "1");
    if (link.classList.contains("appt-move")) url.searchParams.set("calendar", mode());
    openPanel(url.toString());
  });

  // --- drag a session to another time or therapist --------------------------------------------

  const mode = () => document.querySelector(".cal")?.dataset.mode || "day";
  let dragged = null;
  let ghost = null;

  function targetAt(x, y) {
    const column = [...document.querySelectorAll(".cal-head")].find((head) => {
      const box = head.getBoundingClientRect();
      return x >= box.left && x < box.right;
    });
    const row = [...document.querySelectorAll(".cal-time")].find((cell) => {
      const box = cell.getBoundingClientRect();
      return y >= box.top && y < box.bottom;
    });
    if (!column || !row) return null;
    return { column, row, rowNumber: Number(row.className.match(/\br-(\d+)/)[1]) };
  }

  function showGhost(target) {
    if (!ghost) {
      ghost = document.createElement("div");
      document.querySelector(".cal").append(ghost);
    }
    ghost.className = `drop-ghost r-${target.rowNumber} s-${dragged.dataset.span} c-${target.column.dataset.column}`;
  }

  function clearGhost() {
    ghost?.remove();
    ghost = null;
  }

  document.addEventListener("dragstart", (event) => {
    const block = event.target.closest?.(".appt[data-move-url]");
    if (!block) return;
    dragged = block;
    // Where in the block it was picked up: the drop places the block's top, not the pointer.
    dragged.grab = event.clientY - block.getBoundingClientRect().top;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.dataset.label || "");
    block.classList.add("dragging");
  });

  function topTarget(event) {
    const rowHeight = document.querySelector(".cal-time").getBoundingClientRect().height;
    return targetAt(event.clientX, event.clientY - dragged.grab + rowHeight / 2);
  }

  document.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const target = topTarget(event);
    if (target) {
      event.preventDefault(); // a place on the grid: the drop is allowed
      showGhost(target);
    } else {
      clearGhost();
    }
  });

  document.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    clearGhost();
    dragged = null;
  });

  document.addEventListener("drop", async (event) => {
    if (!dragged) return;
    event.preventDefault();
    const block = dragged;
    const target = topTarget(event);
    block.classList.remove("dragging");
    clearGhost();
    dragged = null;
    if (!target) {
      say([text("p", "Drop the session on a column of the calendar to move it. Nothing was changed.", "mb-0")]);
      return;
    }
    const data = new FormData();
    data.set("csrfmiddlewaretoken", csrf());
    data.set("version", block.dataset.version);
    data.set("day", target.column.dataset.day);
    data.set("time", target.row.dataset.time);
    data.set("therapist", target.column.dataset.therapist);
    data.set("calendar", mode());
    if (block.dataset.email === "1") {
      const answer = await ask(block, target);
      if (answer === "cancel") return;
      if (answer === "yes") data.set("notify", "on");
    }
    await move(block, data);
  });

  function ask(block, target) {
    const when = target.row.textContent.trim();
    askEmail.querySelector("#ask-email-text").textContent =
      `Move ${block.dataset.label} to ${when}. Email the client about the new time?`;
    askEmail.returnValue = "cancel";
    askEmail.showModal();
    return new Promise((resolve) => {
      askEmail.addEventListener("close", () => resolve(askEmail.returnValue || "cancel"), { once: true });
    });
  }

  async function move(block, data) {
    const response = await fetch(block.dataset.moveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.redirected && response.ok) {
      await replaceCalendar(response);
      return;
    }
    let refusal = { message: "That move could not be made. Nothing was changed.", offers: [] };
    if ((response.headers.get("Content-Type") || "").includes("json")) refusal = await response.json();
    const parts = [text("p", `${refusal.message} The session stays where it was.`, "mb-1")];
    if (refusal.offers?.length) {
      parts.push(text("p", "Free nearby:", "mb-0"));
      const list = document.createElement("ul");
      list.className = "mb-0";
      for (const offer of refusal.offers) {
        list.append(text("li", offer.therapist ? `${offer.start} with ${offer.therapist}` : offer.start));
      }
      parts.push(list);
    }
    say(parts);
    block.focus?.();
  }

  // The day as the server now renders it, swapped in where the old one was, scroll kept.
  async function replaceCalendar(response) {
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const old = document.getElementById("calendar");
    const fresh = page.getElementById("calendar");
    if (!fresh) {
      window.location.assign(response.url);
      return;
    }
    const [top, left] = [old.scrollTop, old.scrollLeft];
    old.replaceWith(fresh);
    fresh.scrollTop = top;
    fresh.scrollLeft = left;
    for (const message of document.querySelectorAll(".staff-message")) message.remove();
    const main = document.getElementById("main");
    for (const message of [...page.querySelectorAll(".staff-message")].reverse()) main.prepend(message);
    notice.hidden = true;
    window.history.replaceState(null, "", response.url);
    enableDragging();
    fresh.querySelector(".appt-new")?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function enableDragging() {
    for (const block of document.querySelectorAll(".appt[data-move-url]")) block.draggable = true;
  }

  // --- on arrival: the booking just made, else now, else the start of the day ------------------

  enableDragging();
  const scroller = document.getElementById("calendar");
  const focus = scroller.querySelector(".appt-new") || scroller.querySelector(".now-line");
  if (focus) {
    const row = document.querySelector(".cal-time")?.getBoundingClientRect().height || 24;
    scroller.scrollTop = Math.max(0, focus.offsetTop - 4 * row);
  }
})();
