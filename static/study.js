// dlcards study screen: Anki's keys (Space/Enter reveal, 1-4 grade, u or Ctrl+Z undo,
// s suspend, b bury, c card page, d demo) and the reveal-to-grade time as the duration.
// On the answer side Space and Enter never grade by themselves: Space scrolls the answer, and
// only a grade button the user moved focus to (Tab, click) answers to Enter/Space. Keys 1-4
// count only once the answer has been on screen for MIN_ON_SCREEN_MS (no double-press grade).
"use strict";

(function () {
  let revealedAt = null;
  const MIN_ON_SCREEN_MS = 250;

  function studyRoot() {
    return document.querySelector("[data-study]");
  }

  function isTyping(event) {
    const t = event.target;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
  }

  function answer(root) {
    return root.querySelector("details.study-answer");
  }

  function reveal(root) {
    const details = answer(root);
    if (details && !details.open) {
      details.open = true;
      markRevealed(details);
    }
  }

  // Focus goes to the answer text, not to a grade: Space then scrolls, Tab reaches the grades.
  function markRevealed(details) {
    revealedAt = performance.now();
    const text = details.querySelector("[data-answer]");
    if (text) text.focus({ preventScroll: true });
  }

  function userFocused(event) {
    const t = event.target;
    return t && t.closest && t.closest("button, a[href], input, select, textarea")
      && !t.matches("summary");
  }

  function setDuration(form) {
    const field = form.querySelector("[data-duration]");
    if (field && revealedAt !== null) {
      field.value = String(Math.max(0, Math.round(performance.now() - revealedAt)));
    }
  }

  function click(root, key) {
    const target = root.querySelector(`[data-key="${key}"]`);
    if (!target || target.disabled) return false;
    target.click();
    return true;
  }

  // Grading the same card twice (a double key press) is harmless: the review token makes the
  // server answer the second POST with the first result; still, ignore keys while in flight.
  let busy = false;
  document.addEventListener("htmx:beforeRequest", (e) => {
    if (e.target.closest && e.target.closest("[data-study]")) busy = true;
  });
  document.addEventListener("htmx:afterRequest", () => { busy = false; });
  document.addEventListener("htmx:afterSwap", () => { revealedAt = null; });

  // 404/409/422 answers carry a readable message in the study fragment: show it.
  document.addEventListener("htmx:beforeSwap", (e) => {
    const status = e.detail.xhr.status;
    if ([404, 409, 422].includes(status) && e.detail.target && e.detail.target.id === "study") {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  document.addEventListener("toggle", (e) => {
    if (e.target.matches && e.target.matches("details.study-answer") && e.target.open) {
      if (revealedAt === null) markRevealed(e.target);
    }
  }, true);

  document.addEventListener("submit", (e) => {
    if (e.target.matches && e.target.matches("form.grades")) setDuration(e.target);
  }, true);

  document.addEventListener("keydown", (event) => {
    const root = studyRoot();
    if (!root || isTyping(event) || event.altKey || event.metaKey) return;
    if (busy) {
      event.preventDefault();
      return;
    }
    const key = event.key;
    if (event.ctrlKey) {
      if (key === "z" || key === "Z") {
        if (click(root, "u")) event.preventDefault();
      }
      return;
    }
    const details = answer(root);
    if (key === " " || key === "Enter") {
      if (details && !details.open) {
        event.preventDefault();
        reveal(root);
      } else if (details && !userFocused(event)) {
        // The answer side: never a grade. Space on the summary would close the answer, so
        // scroll by hand there; elsewhere the browser scrolls (Space) or does nothing (Enter).
        if (event.target.matches && event.target.matches("summary")) {
          event.preventDefault();
          if (key === " ") window.scrollBy(0, window.innerHeight * 0.8);
        }
      }
      return;
    }
    if (["1", "2", "3", "4"].includes(key)) {
      const early = revealedAt !== null && performance.now() - revealedAt < MIN_ON_SCREEN_MS;
      if (details && details.open && !early && click(root, key)) event.preventDefault();
      return;
    }
    if (["u", "s", "b", "c", "d"].includes(key.toLowerCase())) {
      if (click(root, key.toLowerCase())) event.preventDefault();
    }
  });
})();
