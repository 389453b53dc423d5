// Cluster overview: nodes (CPU/memory requested of allocatable, used from metrics.k8s.io), pods by phase,
// recent Warning events.

import { actionButton, cordon } from "../actions.js";
import { age, badge, bar, cpu, h, memory } from "../dom.js";
import { replaceContent, section, table } from "../table.js";
import { deniedNote } from "./shared.js";

const PHASES = [["Running", "good"], ["Pending", "warn"], ["Succeeded", "done"], ["Failed", "bad"], ["Unknown", "warn"]];

function usage(requested, allocatable, used, format) {
  const share = allocatable ? requested / allocatable : 0;
  const usedShare = used === undefined || !allocatable ? null : used / allocatable;
  const text = `${format(requested)} requested of ${format(allocatable)}` +
    (usedShare === null ? "" : ` · ${format(used)} used`);
  return h("div", {}, bar(share, { label: text, used: usedShare }), h("span", { class: "bar-label" }, text));
}

export default {
  title: "Overview",
  feeds: () => ["nodes", "pods", "events", "namespaces"],
  metrics: true,
  mount(main, ctx) {
    const nodes = section("Nodes", "nodes"), phases = section("Pods by phase", "phases"),
      warnings = section("Recent warnings", "warnings");
    main.replaceChildren(h("h1", {}, "Cluster overview"), nodes.el, phases.el, warnings.el);
    const rowsByNode = new Map();
    return {
      rowAction(key, letter, live) {
        const row = live.get("nodes", key);
        if (row && letter === "c" && ctx.caps.cordon) cordon(row);
      },
      render(live) {
        rowsByNode.clear();
        const pods = live.list("pods");
        for (const pod of pods) {
          if (!pod.node || pod.terminal) continue;
          const sum = rowsByNode.get(pod.node) || { cpu: 0, memory: 0, pods: 0 };
          sum.cpu += pod.cpuRequestMillis; sum.memory += pod.memoryRequestBytes; sum.pods += 1;
          rowsByNode.set(pod.node, sum);
        }
        const metricsNote = live.unavailable.get("node-metrics");
        const columns = [
          { title: "Node", id: "name", cell: (n) => n.name },
          { title: "Status", id: "status", cell: (n) => [badge(n.ready ? "Ready" : "NotReady", n.ready ? "good" : "bad"),
            n.unschedulable ? [" ", badge("SchedulingDisabled", "warn")] : null] },
          { title: "CPU", id: "cpu", cell: (n) => usage((rowsByNode.get(n.key) || {}).cpu || 0, n.cpuAllocatableMillis,
            (live.get("node-metrics", n.key) || {}).cpuUsedMillis, cpu) },
          { title: "Memory", id: "memory", cell: (n) => usage((rowsByNode.get(n.key) || {}).memory || 0,
            n.memoryAllocatableBytes, (live.get("node-metrics", n.key) || {}).memoryUsedBytes, memory) },
          { title: "Pods", id: "pods", class: "num", cell: (n) => `${(rowsByNode.get(n.key) || {}).pods || 0}/${n.podsAllocatable}` },
          { title: "Age", id: "age", cell: (n) => age(n.created) },
          { title: "Actions", id: "actions", class: "actions", cell: (n) => actionButton(n.unschedulable ? "Uncordon" : "Cordon",
            "cordon", ctx.caps.cordon, () => cordon(n)) },
        ];
        replaceContent(nodes.body, deniedNote(live, "nodes") ||
          table(columns, live.list("nodes"), { label: "Nodes", empty: "no nodes yet" }),
          h("p", { class: "note" }, metricsNote ? `usage: ${metricsNote}` :
            (ctx.namespace ? `requests summed over the pods of ${ctx.namespace}` : "")));
        const counts = new Map(PHASES.map(([phase]) => [phase, 0]));
        let crashing = 0;
        for (const pod of pods) {
          counts.set(pod.phase, (counts.get(pod.phase) || 0) + 1);
          if (pod.health === "bad" && pod.phase === "Running") crashing += 1;
        }
        replaceContent(phases.body, deniedNote(live, "pods") || h("div", { class: "tiles" },
          PHASES.map(([phase, health]) => h("div", { class: `tile ${health}`, dataset: { phase } },
            h("strong", {}, String(counts.get(phase))), phase)),
          h("div", { class: "tile bad", dataset: { phase: "Crashing" } }, h("strong", {}, String(crashing)), "Running but failing")));
        const recent = live.list("events").filter((e) => e.type === "Warning")
          .sort((a, b) => (b.lastSeen > a.lastSeen ? 1 : -1)).slice(0, 15);
        replaceContent(warnings.body, deniedNote(live, "events") || table([
          { title: "Last seen", id: "age", cell: (e) => age(e.lastSeen) },
          { title: "Object", id: "object", cell: (e) => `${e.objectKind}/${e.objectName}` },
          { title: "Reason", id: "reason", cell: (e) => badge(e.reason, "bad") },
          { title: "Message", id: "message", cell: (e) => e.message },
          { title: "Count", id: "count", class: "num", cell: (e) => e.count },
        ], recent, { label: "Recent warnings", empty: "no warnings" }));
      },
    };
  },
};
