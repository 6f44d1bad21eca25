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

document.addEventListener("DOMContentLoaded", () => typesetMath(document));
document.addEventListener("htmx:afterSettle", (event) => typesetMath(event.target));
