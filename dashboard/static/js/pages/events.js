// The live event stream, newest first; Warning-only toggle and a name filter.

import { age, badge, h } from "../dom.js";
import { replaceContent, table } from "../table.js";
import { deniedNote, nameFilter } from "./shared.js";

const MAX_ROWS = 300;

export default {
  title: "Events",
  feeds: () => ["events", "namespaces"],
  mount(main, ctx) {
    const body = h("div", { id: "events" });
    let live = null;
    const render = () => live && this.draw(body, live, ctx);
    const warningsOnly = h("input", { type: "checkbox", id: "warnings-only", checked: ctx.warningsOnly,
      onchange: (event) => { ctx.warningsOnly = event.target.checked; render(); } });
    main.replaceChildren(h("h1", {}, "Events"), h("div", { class: "toolbar" }, nameFilter(ctx, render),
      h("label", {}, "Warnings only", warningsOnly)), body);
    return { render(current) { live = current; render(); }, rowAction() {} };
  },
  draw(body, live, ctx) {
    const rows = live.list("events")
      .filter((e) => (!ctx.warningsOnly || e.type === "Warning") &&
        (!ctx.filter || e.objectName.includes(ctx.filter) || e.reason.includes(ctx.filter)))
      .sort((a, b) => (b.lastSeen > a.lastSeen ? 1 : -1)).slice(0, MAX_ROWS);
    replaceContent(body, deniedNote(live, "events") || table([
      { title: "Last seen", id: "age", cell: (e) => age(e.lastSeen) },
      { title: "Type", id: "type", cell: (e) => badge(e.type, e.type === "Warning" ? "bad" : "done") },
      { title: "Namespace", id: "namespace", cell: (e) => e.namespace },
      { title: "Object", id: "object", cell: (e) => (e.objectKind === "Pod" ?
        h("a", { href: `#/pod/${e.objectNamespace}/${e.objectName}` }, `Pod/${e.objectName}`) : `${e.objectKind}/${e.objectName}`) },
      { title: "Reason", id: "reason", cell: (e) => e.reason },
      { title: "Message", id: "message", cell: (e) => e.message },
      { title: "Count", id: "count", class: "num", cell: (e) => String(e.count) },
      { title: "Source", id: "source", cell: (e) => e.source },
    ], rows, { label: "Events", empty: "no events" }));
  },
};
