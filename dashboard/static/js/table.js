// Tables whose rows are focusable (j/k, Enter) and keep focus across live re-renders.

import { h } from "./dom.js";

export function table(columns, rows, { label, rowClass, onOpen, empty = "nothing here" } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  const head = h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.title)));
  const body = h("tbody", {}, rows.map((row) => {
    const tr = h("tr", { tabindex: 0, class: rowClass ? rowClass(row) : "", dataset: { key: row.key } },
      columns.map((c) => h("td", { class: c.class, dataset: { col: c.id || c.title.toLowerCase() } }, c.cell(row))));
    if (onOpen) {
      tr.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && event.target === tr) onOpen(row);
      });
      tr.addEventListener("click", (event) => {
        if (!event.target.closest("button, a, input, select")) onOpen(row);
      });
      tr.dataset.openable = "1";
    }
    return tr;
  }));
  return h("table", { "aria-label": label }, h("thead", {}, head), body);
}

// Replace a section's content, putting focus back on the same row (and button) if it was inside.
export function replaceContent(container, ...nodes) {
  const active = document.activeElement;
  let key = null, action = null;
  if (active && container.contains(active)) {
    const row = active.closest("tr[data-key]");
    key = row ? row.dataset.key : null;
    action = active.dataset ? active.dataset.action || null : null;
  }
  container.replaceChildren(...nodes);
  if (key !== null) {
    const row = [...container.querySelectorAll("tr[data-key]")].find((tr) => tr.dataset.key === key);
    const target = row && action ? row.querySelector(`[data-action="${action}"]`) : row;
    if (target) target.focus({ preventScroll: true });
  }
}

export function moveRowFocus(step) {
  const rows = [...document.querySelectorAll("main tbody tr[tabindex]")];
  if (!rows.length) return;
  const current = document.activeElement ? document.activeElement.closest("tr[tabindex]") : null;
  const index = rows.indexOf(current);
  const next = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(Math.max(index + step, 0), rows.length - 1);
  rows[next].focus();
}

export function focusedRowKey() {
  const row = document.activeElement ? document.activeElement.closest("main tr[data-key]") : null;
  return row ? row.dataset.key : null;
}

export function section(title, id) {
  const body = h("div", { id });
  return { el: h("section", { "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), body), body };
}
