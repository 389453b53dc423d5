// One pod: containers and their states, conditions, its events (all live), a live log tail, its YAML.

import { getText } from "../api.js";
import { actionButton, deletePod } from "../actions.js";
import { age, badge, h } from "../dom.js";
import { replaceContent, section, table } from "../table.js";
import { deniedNote } from "./shared.js";

const MAX_LOG_LINES = 2000;
const STATE_HEALTH = { running: "good", waiting: "warn", terminated: "bad" };

export default {
  title: "Pod",
  feeds: () => ["pod-detail", "events", "namespaces"],
  scope: (ctx) => ({ namespace: ctx.params[0], name: ctx.params[1] }),
  mount(main, ctx) {
    const [namespace, name] = ctx.params;
    const summary = h("div", { id: "pod-summary" });
    const containers = section("Containers", "containers"), conditions = section("Conditions", "conditions"),
      events = section("Events", "pod-events"), logs = section("Log", "log"), yaml = section("YAML", "yaml");
    const logBox = h("pre", { class: "log", id: "log-tail", tabindex: 0, "aria-label": "Log tail", "aria-live": "off" });
    const containerSelect = h("select", { id: "log-container", "aria-label": "Container" });
    logs.body.append(h("div", { class: "toolbar" }, h("label", {}, "Container", containerSelect)), logBox);
    const yamlBox = h("pre", { class: "yaml", id: "yaml", tabindex: 0 }, "loading…");
    yaml.body.append(h("div", { class: "toolbar" },
      h("button", { type: "button", id: "yaml-reload", onclick: () => loadYaml() }, "Reload YAML")), yamlBox);
    main.replaceChildren(h("p", {}, h("a", { href: "#/pods" }, "← Pods")), h("h1", {}, `Pod ${namespace}/${name}`),
      summary, containers.el, conditions.el, events.el, logs.el, yaml.el);

    let source = null, lines = 0;
    const follow = (container) => {
      if (source) source.close();
      logBox.replaceChildren();
      lines = 0;
      const params = container ? `?container=${encodeURIComponent(container)}` : "";
      source = new EventSource(`/api/logs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${params}`);
      source.onmessage = (event) => {
        const message = JSON.parse(event.data);
        const atBottom = logBox.scrollTop + logBox.clientHeight >= logBox.scrollHeight - 4;
        const text = message.type === "line" ? message.text : `[${message.type}] ${message.text}`;
        logBox.append(h("span", { class: message.type === "line" ? "" : "notice" }, text, "\n"));
        lines += 1;
        if (lines > MAX_LOG_LINES) { logBox.firstChild.remove(); lines -= 1; }
        if (atBottom) logBox.scrollTop = logBox.scrollHeight;
        if (message.type === "denied" || message.type === "gone") source.close();
      };
    };
    containerSelect.addEventListener("change", () => follow(containerSelect.value));
    const loadYaml = async () => {
      try { yamlBox.textContent = await getText(`/api/yaml/pods/${namespace}/${name}`); }
      catch (error) { yamlBox.textContent = `could not read: ${error.message}`; }
    };
    loadYaml();

    return {
      destroy() { if (source) source.close(); },
      rowAction() {},
      render(live) {
        const pod = live.get("pod-detail", `${namespace}/${name}`);
        const denied = deniedNote(live, "pod-detail");
        if (denied || !pod) {
          replaceContent(summary, denied || h("p", { class: "empty" }, live.synced.has("pod-detail") ? "this pod does not exist (any more)" : "loading…"));
        } else {
          replaceContent(summary, h("dl", { class: "detail" },
            h("dt", {}, "Status"), h("dd", { id: "pod-status" }, badge(pod.status, pod.health)),
            h("dt", {}, "Ready"), h("dd", {}, pod.ready), h("dt", {}, "Restarts"), h("dd", { id: "pod-restarts" }, String(pod.restarts)),
            h("dt", {}, "Node"), h("dd", {}, pod.node || "(not scheduled)"), h("dt", {}, "IP"), h("dd", {}, pod.ip),
            h("dt", {}, "QoS"), h("dd", {}, pod.qosClass || ""), h("dt", {}, "Age"), h("dd", {}, age(pod.created))),
          actionButton("Delete pod", "delete", ctx.caps["delete-pod"], () => deletePod(pod), { danger: true }));
          const names = pod.containers.map((c) => c.name);
          if (containerSelect.options.length !== names.length) {
            containerSelect.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
            follow(names[0]);
          }
          replaceContent(containers.body, table([
            { title: "Name", id: "name", cell: (c) => c.name },
            { title: "Image", id: "image", cell: (c) => c.image },
            { title: "State", id: "state", cell: (c) => badge(c.reason || c.state, c.ready ? "good" : STATE_HEALTH[c.state]) },
            { title: "Ready", id: "ready", cell: (c) => (c.ready ? "yes" : "no") },
            { title: "Restarts", id: "restarts", class: "num", cell: (c) => String(c.restarts) },
            { title: "Last termination", id: "last", cell: (c) => c.lastTermination },
            { title: "Message", id: "message", cell: (c) => c.message },
          ], pod.containers.map((c) => ({ ...c, key: c.name })), { label: "Containers" }));
          replaceContent(conditions.body, table([
            { title: "Type", id: "type", cell: (c) => c.type },
            { title: "Status", id: "status", cell: (c) => badge(c.status, c.status === "True" ? "good" : "warn") },
            { title: "Reason", id: "reason", cell: (c) => c.reason },
            { title: "Since", id: "since", cell: (c) => age(c.since) },
          ], pod.conditions.map((c) => ({ ...c, key: c.type })), { label: "Conditions", empty: "no conditions yet" }));
        }
        const podEvents = live.list("events").filter((e) => e.objectKind === "Pod")
          .sort((a, b) => (b.lastSeen > a.lastSeen ? 1 : -1));
        replaceContent(events.body, deniedNote(live, "events") || table([
          { title: "Last seen", id: "age", cell: (e) => age(e.lastSeen) },
          { title: "Type", id: "type", cell: (e) => badge(e.type, e.type === "Warning" ? "bad" : "done") },
          { title: "Reason", id: "reason", cell: (e) => e.reason },
          { title: "Message", id: "message", cell: (e) => e.message },
          { title: "Count", id: "count", class: "num", cell: (e) => String(e.count) },
        ], podEvents, { label: "Events", empty: "no events" }));
      },
    };
  },
};
