// dlcards: typeset math with KaTeX and give every page its keyboard shortcuts.
"use strict";

function typesetMath(root) {
  if (!window.katex) return;
  root.querySelectorAll(".math.inline, .math.block").forEach((el) => {
    if (el.dataset.typeset) return;
    const tex = el.textContent;
    window.katex.render(tex, el, {
      displayMode: el.classList.contains("block"),
      throwOnError: false,
    });
    el.dataset.typeset = "1";  // KaTeX adds MathML for screen readers
  });
}

function isTyping(event) {
  const t = event.target;
  return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
}

// Space on a card page reveals the answer (the study screen has its own keys in study.js).
document.addEventListener("keydown", (event) => {
  if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (document.querySelector("[data-study]")) return;
  if (event.key === " ") {
    const reveal = document.querySelector("a.reveal[data-key='space']");
    if (reveal) {
      event.preventDefault();
      reveal.click();
    }
  }
});

// Forms that start long work (an import, an optimization) say so while the request runs:
// the button is disabled (no second submit) and a status line names what is happening.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.busy || event.defaultPrevented) return;
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  let status = form.querySelector(".busy-status");
  if (!status) {
    status = document.createElement("p");
    status.className = "busy-status meta";
    status.setAttribute("role", "status");
    form.append(status);
  }
  status.textContent = form.dataset.busy;
});

document.addEventListener("DOMContentLoaded", () => typesetMath(document));
document.addEventListener("htmx:afterSettle", (event) => typesetMath(event.target));
