// Pods: status in colour, ready containers, restarts, node, age; name filter and a label selector
// (the selector goes to the API's watch, so it narrows what is streamed, not only what is shown).

import { actionButton, deletePod } from "../actions.js";
import { age, badge, h } from "../dom.js";
import { replaceContent, table } from "../table.js";
import { byNamespaceName, deniedNote, matches, nameFilter } from "./shared.js";

export default {
  title: "Pods",
  feeds: () => ["pods", "namespaces"],
  scope: (ctx) => ({ labelSelector: ctx.labelSelector }),
  mount(main, ctx) {
    const body = h("div", { id: "pods" });
    let live = null;
    const render = () => live && this.draw(body, live, ctx);
    const selector = h("input", { type: "search", value: ctx.labelSelector || "", "aria-label": "Label selector",
      placeholder: "app=web,tier!=cache", id: "label-selector" });
    const form = h("form", { class: "toolbar", onsubmit: (event) => {
      event.preventDefault();
      ctx.labelSelector = selector.value.trim();
      ctx.restart();
    } }, nameFilter(ctx, render), h("label", {}, "Label selector (Enter applies)", selector));
    main.replaceChildren(h("h1", {}, "Pods"), form, body);
    return {
      render(current) { live = current; render(); },
      rowAction(key, letter, current) {
        const row = current.get("pods", key);
        if (row && letter === "delete" && ctx.caps["delete-pod"]) deletePod(row);
      },
    };
  },
  draw(body, live, ctx) {
    const rows = live.list("pods").filter((row) => matches(ctx, row)).sort(byNamespaceName);
    const open = (row) => ctx.navigate(`#/pod/${row.namespace}/${row.name}`);
    const columns = [
      { title: "Name", id: "name", cell: (r) => h("a", { href: `#/pod/${r.namespace}/${r.name}`, tabindex: -1 }, r.name) },
      { title: "Namespace", id: "namespace", cell: (r) => r.namespace },
      { title: "Status", id: "status", cell: (r) => badge(r.status, r.health) },
      { title: "Ready", id: "ready", class: "num", cell: (r) => r.ready },
      { title: "Restarts", id: "restarts", class: "num", cell: (r) => String(r.restarts) },
      { title: "Node", id: "node", cell: (r) => r.node },
      { title: "IP", id: "ip", cell: (r) => r.ip },
      { title: "Age", id: "age", cell: (r) => age(r.created) },
      { title: "Actions", id: "actions", class: "actions", cell: (r) => actionButton("Delete", "delete", ctx.caps["delete-pod"],
        () => deletePod(r), { danger: true }) },
    ];
    replaceContent(body, deniedNote(live, "pods") || table(columns, rows, {
      label: "Pods", rowClass: (r) => `health-${r.health}`, onOpen: open,
      empty: ctx.labelSelector ? `no pods match ${ctx.labelSelector}` : "no pods" }));
  },
};
