// Rating without leaving the page: a progressive enhancement of the rating form.
// Without this script (or without JavaScript) the form is a plain POST answered by a 303
// back to the review. With it, the vote goes by fetch and the server answers with this
// reader's rating block (count and mean, their stars, their form token), which replaces
// the old one in place. Any failure falls back to the plain form.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const block = form instanceof HTMLFormElement ? form.closest("#rating") : null;
  const button = event.submitter;
  if (!block || form.dataset.plain || !button || button.name !== "stars") {
    return;
  }
  event.preventDefault();
  const plain = () => {
    form.dataset.plain = "1";
    form.requestSubmit(button);
  };
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form, button)),
      credentials: "same-origin",
      headers: { "X-Midweek-Fragment": "rating" },
    });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.startsWith("text/html")) {
      plain();
      return;
    }
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#rating");
    if (!fresh) {
      plain();
      return;
    }
    block.replaceWith(fresh);
    fresh.querySelector(".summary")?.setAttribute("role", "status");
  } catch (error) {
    plain();
  }
});
