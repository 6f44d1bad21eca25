// dlcards demos: sliders mirror their number box, Step/Run/Reset edit the form's `steps`,
// and htmx swaps 422 fragments too (they carry the messages next to the fields).
"use strict";

function demoForm() {
  return document.querySelector("form.demo-form");
}

function fire(input) {
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

// A range input (hidden without JS) drives its number box, and follows it.
function wireSliders(root) {
  root.querySelectorAll("input.slider[data-sync]").forEach((slider) => {
    if (slider.dataset.wired) return;
    const box = document.getElementById(slider.dataset.sync);
    if (!box) return;
    slider.hidden = false;
    slider.dataset.wired = "1";
    if (box.value !== "") slider.value = box.value;
    slider.addEventListener("input", () => {
      box.value = slider.value;
      fire(box);
    });
    box.addEventListener("input", () => {
      if (box.value !== "") slider.value = box.value;
    });
  });
}

// History: the form replaces the current entry on every update (hx-replace-url), and one new
// entry starts when a change begins (first input of a drag or of typing, a Step link), so
// dragging a slider adds one Back step, not one per value, and Back leaves the demo soon.
let changeOpen = false;
function startChange() {
  if (changeOpen) return;
  changeOpen = true;
  history.pushState(history.state, "", location.href);
}
document.addEventListener("input", (event) => {
  if (event.isTrusted && event.target.closest && event.target.closest("form.demo-form")) startChange();
}, true);
document.addEventListener("change", (event) => {
  if (event.target.closest && event.target.closest("form.demo-form")) changeOpen = false;
}, true);

// Back to an entry htmx did not make (the page as first loaded): load it, so the form and
// the plot match the URL again.
window.addEventListener("popstate", (event) => {
  if (demoForm() && !(event.state && event.state.htmx)) location.reload();
});

// Links with data-steps="+1" / "+50" / "0" change the steps box instead of loading a page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-steps]");
  const form = demoForm();
  const box = form && form.querySelector("input[name=steps]");
  if (!link || !box || !window.htmx) return;
  event.preventDefault();
  const spec = link.dataset.steps;
  const current = parseInt(box.value || "0", 10) || 0;
  const max = parseInt(box.max || "10000", 10);
  const next = spec.startsWith("+") ? current + parseInt(spec.slice(1), 10) : parseInt(spec, 10);
  box.value = String(Math.max(0, Math.min(max, next)));
  changeOpen = false;
  startChange();  // each Step is one Back step
  changeOpen = false;
  fire(box);
});

// A form too long for a URL (pasted documents) is posted instead; the server then tells
// htmx not to push a URL, since that state cannot be a link.
const MAX_URL_QUERY = 6000;
document.addEventListener("htmx:configRequest", (event) => {
  const form = event.detail.elt;
  if (!form.matches || !form.matches("form.demo-form") || event.detail.verb !== "get") return;
  if (new URLSearchParams(new FormData(form)).toString().length > MAX_URL_QUERY) {
    event.detail.verb = "post";
    event.detail.useUrlParams = false;
  }
});

// The server answers invalid parameters with 422 and a fragment worth showing.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422 && event.detail.target.id === "demo-result") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Fields marked data-show-when='{"optimizer": ["adam"]}' show only while a named field has one
// of the values; sliders with data-range-from="x_min,x_max" span those fields' values.
function applyChoices(form) {
  form.querySelectorAll("[data-show-when]").forEach((wrapper) => {
    let rule;
    try { rule = JSON.parse(wrapper.dataset.showWhen); } catch (e) { return; }
    const shown = Object.entries(rule).some(([name, allowed]) => {
      const input = form.querySelector(`[name="${name}"]`);
      return input && allowed.includes(input.value);
    });
    wrapper.hidden = !shown && !wrapper.classList.contains("invalid");
  });
  form.querySelectorAll("input.slider[data-range-from]").forEach((slider) => {
    const [low, high] = slider.dataset.rangeFrom.split(",").map((n) => {
      const box = form.querySelector(`[name="${n}"]`);
      return box ? parseFloat(box.value) : NaN;
    });
    if (Number.isFinite(low) && Number.isFinite(high) && low < high) {
      slider.min = String(low);
      slider.max = String(high);
    }
  });
}
document.addEventListener("input", (event) => {
  const form = event.target.closest && event.target.closest("form.demo-form");
  if (form) applyChoices(form);
});
document.addEventListener("change", (event) => {
  const form = event.target.closest && event.target.closest("form.demo-form");
  if (form) applyChoices(form);
});

document.addEventListener("DOMContentLoaded", () => wireSliders(document));

// A diagram part with data-detail (an edge, a node) shows its numbers in the figure's
// .demo-detail line on a click or tap, or on keyboard focus: a <title> tooltip needs a hover.
function showDetail(part) {
  const figure = part.closest("figure");
  const line = figure && figure.querySelector(".demo-detail");
  if (!line) return;
  figure.querySelectorAll("[data-detail].selected").forEach((p) => p.classList.remove("selected"));
  part.classList.add("selected");
  line.textContent = part.dataset.detail;
}
document.addEventListener("click", (event) => {
  const part = event.target.closest && event.target.closest("svg [data-detail]");
  if (part) showDetail(part);
});
document.addEventListener("focusin", (event) => {
  const part = event.target.closest && event.target.closest("svg [data-detail]");
  if (part) showDetail(part);
});
