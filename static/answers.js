// dlcards typed answers and mock interview: the countdown (which submits the answer when the
// time is up), Ctrl+Enter to submit, 1-4 to choose a grade, and the suggested grade following
// the key-point marks. Everything else works without this script.
"use strict";

(function () {
  document.documentElement.classList.add("js");

  // Same rule as app/answers/matcher.py suggest_rating: Good from 80 %, Hard from 50 %; at most
  // Hard while a contradicted point stays unticked; Again for an answer too short to judge.
  function suggestedRating(boxes, tooShort) {
    if (tooShort) return 1;
    if (boxes.length === 0) return 3;
    const share = boxes.filter((b) => b.checked).length / boxes.length;
    let rating = share >= 0.8 ? 3 : share >= 0.5 ? 2 : 1;
    const contradicted = boxes.some((b) => !b.checked && b.closest("li[data-contradicted]"));
    if (contradicted) rating = Math.min(rating, 2);
    return rating;
  }

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (!box.matches || !box.matches("[data-checklist] input[type=checkbox]")) return;
    const scope = box.closest("[data-suggest]");
    if (!scope) return;
    box.closest("li").classList.toggle("covered", box.checked);
    box.closest("li").classList.toggle("missed", !box.checked);
    const boxes = Array.from(scope.querySelectorAll("[data-checklist] input[type=checkbox]"));
    const count = scope.querySelector("[data-covered-count]");
    if (count) count.textContent = String(boxes.filter((b) => b.checked).length);
    const tooShort = Boolean(scope.querySelector("[data-checklist][data-too-short]"));
    const rating = suggestedRating(boxes, tooShort);
    const radio = scope.querySelector(`.grade-choice input[value="${rating}"]`);
    if (radio && !radio.disabled) radio.checked = true;
  });

  function format(seconds) {
    const s = Math.max(0, Math.ceil(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  // The server's remaining seconds (not the deadline) drive the display, so a wrong
  // browser clock does not matter; the server still judges lateness by its own clock.
  let timer = null;
  function startCountdown() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    const box = document.querySelector("[data-countdown]");
    if (!box) return;
    const text = box.querySelector("[data-countdown-text]");
    const endsAt = performance.now() + 1000 * Number(box.dataset.secondsLeft || 0);
    let submitted = false;
    const tick = () => {
      const left = (endsAt - performance.now()) / 1000;
      text.textContent = format(left);
      box.classList.toggle("hurry", left <= 15);
      if (left <= 0 && !submitted) {
        submitted = true;
        clearInterval(timer);
        timer = null;
        const form = document.querySelector("[data-countdown-form]");
        if (form) form.requestSubmit();
      }
    };
    tick();
    timer = setInterval(tick, 250);
  }
  document.addEventListener("DOMContentLoaded", startCountdown);
  document.addEventListener("htmx:afterSettle", () => {
    startCountdown();
    const area = document.querySelector("[data-answers] textarea[autofocus]");
    if (area) area.focus();
  });

  function isTyping(event) {
    const t = event.target;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) &&
      !(t.type === "radio" || t.type === "checkbox");
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const area = event.target.closest && event.target.closest("[data-submit-on-ctrl-enter]");
      if (area && area.form) {
        event.preventDefault();
        area.form.requestSubmit();
      }
      return;
    }
    const root = document.querySelector('[data-answers="typed"]');
    if (!root || isTyping(event) || event.ctrlKey || event.altKey || event.metaKey) return;
    const form = root.querySelector("form.typed-grade");
    if (!form) return;
    if (["1", "2", "3", "4"].includes(event.key)) {
      const radio = form.querySelector(`.grade-choice input[value="${event.key}"]`);
      if (radio) {
        radio.checked = true;
        radio.focus();
        event.preventDefault();
      }
    } else if (event.key === "Enter" && event.target.tagName !== "BUTTON") {
      event.preventDefault();
      form.requestSubmit(form.querySelector('button[data-key="Enter"]'));
    }
  });
})();
