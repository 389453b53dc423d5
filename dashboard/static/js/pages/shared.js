// Bits every page shares: the "not allowed" note and the name filter.

import { h } from "../dom.js";

export function deniedNote(live, feed) {
  const message = live.denied.get(feed);
  if (message === undefined) return null;
  return h("p", { class: "denied", role: "note" }, message);
}

export function nameFilter(ctx, onInput) {
  return h("label", {}, "Filter by name (/)",
    h("input", { type: "search", value: ctx.filter || "", "data-filter": "1", "aria-label": "Filter by name",
      oninput: (event) => { ctx.filter = event.target.value; onInput(); } }));
}

export function matches(ctx, row) {
  return !ctx.filter || row.name.includes(ctx.filter) || (row.namespace || "").includes(ctx.filter);
}

export function byNamespaceName(a, b) {
  return a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : (a.namespace < b.namespace ? -1 : 1);
}
