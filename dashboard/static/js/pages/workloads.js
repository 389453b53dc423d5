// Deployments, StatefulSets, DaemonSets, Jobs and CronJobs: ready/desired and a rollout progress bar.

import { actionButton, restart, scale } from "../actions.js";
import { age, badge, bar, h } from "../dom.js";
import { replaceContent, table } from "../table.js";
import { byNamespaceName, deniedNote, matches, nameFilter } from "./shared.js";

const FEEDS = ["deployments", "statefulsets", "daemonsets", "jobs", "cronjobs"];
const STATE_HEALTH = { Available: "good", Complete: "good", Scheduled: "done", Active: "warn", Progressing: "warn",
  Running: "warn", Pending: "warn", Paused: "done", Suspended: "done", Failed: "bad" };

export default {
  title: "Workloads",
  feeds: () => [...FEEDS, "namespaces"],
  mount(main, ctx) {
    const body = h("div", { id: "workloads" });
    let live = null;
    const render = () => live && this.draw(body, live, ctx);
    main.replaceChildren(h("h1", {}, "Workloads"), h("div", { class: "toolbar" }, nameFilter(ctx, render)), body);
    return {
      render(current) { live = current; render(); },
      rowAction(key, letter, current) {
        const row = FEEDS.map((feed) => current.get(feed, key)).find(Boolean);
        if (!row) return;
        if (letter === "s" && row.scalable && ctx.caps.scale) scale(row);
        if (letter === "r" && row.restartable && ctx.caps.restart) restart(row);
      },
    };
  },
  draw(body, live, ctx) {
    const sections = FEEDS.map((feed) => {
      const rows = live.list(feed).filter((row) => matches(ctx, row)).sort(byNamespaceName);
      const title = { deployments: "Deployments", statefulsets: "StatefulSets", daemonsets: "DaemonSets",
        jobs: "Jobs", cronjobs: "CronJobs" }[feed];
      const columns = [
        { title: "Name", id: "name", cell: (r) => r.name },
        { title: "Namespace", id: "namespace", cell: (r) => r.namespace },
        { title: "Ready", id: "ready", class: "num", cell: (r) => (feed === "cronjobs" ? `${r.ready} active` : `${r.ready}/${r.desired}`) },
        { title: "Rollout", id: "progress", cell: (r) => (feed === "cronjobs" ? r.schedule :
          bar(r.progress, { busy: r.progress < 1, label: `${r.name}: ${r.ready} of ${r.desired} ready and updated` })) },
        { title: "State", id: "state", cell: (r) => badge(r.state, STATE_HEALTH[r.state]) },
        { title: "Age", id: "age", cell: (r) => age(r.created) },
        { title: "Actions", id: "actions", class: "actions", cell: (r) => [
          r.scalable ? actionButton("Scale", "scale", ctx.caps.scale, () => scale(r)) : null,
          r.restartable ? actionButton("Restart", "restart", ctx.caps.restart, () => restart(r)) : null] },
      ];
      return h("section", { "aria-label": title, dataset: { feed } }, h("h2", {}, title),
        deniedNote(live, feed) || table(columns, rows, { label: title, empty: `no ${title}` }));
    });
    replaceContent(body, ...sections);
  },
};
