// The shell: login, hash routes (#/overview, #/workloads, #/pods, #/pod/NS/NAME, #/network, #/events),
// the namespace switcher, one live stream per page, the access checks that enable actions, and the keys.

import { get, NotLoggedIn, post } from "./api.js";
import { h, toast } from "./dom.js";
import { LiveFeeds } from "./live.js";
import { focusedRowKey, moveRowFocus } from "./table.js";
import events from "./pages/events.js";
import network from "./pages/network.js";
import overview from "./pages/overview.js";
import pod from "./pages/pod.js";
import pods from "./pages/pods.js";
import workloads from "./pages/workloads.js";

const PAGES = { overview, workloads, pods, pod, network, events };
const NUMBER_KEYS = { 1: "overview", 2: "workloads", 3: "pods", 4: "network", 5: "events" };
const KINDS = {
  overview: "overview", nodes: "overview", no: "overview", node: "overview",
  workloads: "workloads", deploy: "workloads", deployments: "workloads", deployment: "workloads", sts: "workloads",
  statefulsets: "workloads", ds: "workloads", daemonsets: "workloads", jobs: "workloads", job: "workloads",
  cj: "workloads", cronjobs: "workloads", po: "pods", pod: "pods", pods: "pods",
  svc: "network", service: "network", services: "network", ing: "network", ingress: "network", ingresses: "network",
  ep: "network", endpointslices: "network", ev: "events", events: "events",
};

const ctx = {
  namespace: localStorage.getItem("kubemini.namespace") || "",
  filter: "", labelSelector: "", warningsOnly: false, params: [],
  caps: {}, navigate: (hash) => { location.hash = hash; }, restart: () => start(),
};
let view = null, live = null, frame = 0, namespaces = Object.assign([], { key: null });

function route() {
  const parts = (location.hash.replace(/^#\/?/, "") || "overview").split("/").map(decodeURIComponent);
  const name = PAGES[parts[0]] ? parts[0] : "overview";
  return { name, page: PAGES[name], params: parts.slice(1) };
}

function setLive(on) {
  const el = document.getElementById("live");
  if (!on) get("/api/whoami").catch((error) => { if (error instanceof NotLoggedIn) showLogin(); });
  el.textContent = on ? "live" : "reconnecting…";
  el.classList.toggle("on", on);
}

function drawNamespaces() {
  const select = document.getElementById("namespace");
  const names = live ? live.list("namespaces").map((n) => n.name).sort() : [];
  if (ctx.namespace && !names.includes(ctx.namespace)) names.push(ctx.namespace);
  // An identity that may not list namespaces still picks its own: `:ns NAME` (the hint says so).
  const hidden = live && live.denied.has("namespaces");
  const key = `${names.join()}|${hidden}`;
  if (key === namespaces.key) return;
  namespaces = Object.assign(names, { key });
  select.replaceChildren(h("option", { value: "" }, "all namespaces"), ...names.map((n) => h("option", { value: n }, n)),
    hidden ? h("option", { disabled: true, value: "-" }, "others: type :ns NAME") : null);
  select.value = ctx.namespace;
}

function schedule(feed) {
  if (feed === "namespaces") drawNamespaces();
  if (frame) return;
  frame = requestAnimationFrame(() => { frame = 0; if (view && live) view.render(live); });
}

async function refreshAccess() {
  try { ctx.caps = await post("/api/access", { namespace: ctx.namespace || route().params[0] || "" }); }
  catch (error) { if (error instanceof NotLoggedIn) return showLogin(); ctx.caps = {}; }
  if (view && live) view.render(live);
}

function start() {
  if (view && view.destroy) view.destroy();
  if (live) live.close();
  const { name, page, params } = route();
  ctx.params = params;
  for (const link of document.querySelectorAll("#nav a")) {
    const current = link.dataset.page === name || (name === "pod" && link.dataset.page === "pods");
    if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  document.title = `${page.title} · kubemini`;
  const main = document.getElementById("main");
  view = page.mount(main, ctx);
  const scope = { namespace: ctx.namespace, ...(page.scope ? page.scope(ctx) : {}) };
  live = new LiveFeeds(page.feeds(ctx), scope, { metrics: !!page.metrics, onChange: schedule, onStatus: setLive });
  refreshAccess();
}

function showLogin() {
  if (live) live.close();
  live = null;
  document.getElementById("main").hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("logout").hidden = true;
  document.getElementById("whoami").textContent = "";
  document.getElementById("token").focus();
}

function showApp(username) {
  document.getElementById("login").hidden = true;
  document.getElementById("main").hidden = false;
  document.getElementById("logout").hidden = false;
  const who = document.getElementById("whoami");
  who.textContent = username ? `as ${username}` : "logged in";
  who.title = who.textContent;
  start();
}

function openCommand() {
  const dialog = document.getElementById("command"), input = document.getElementById("command-input");
  document.getElementById("command-kinds").replaceChildren(
    ...Object.keys(KINDS).map((k) => h("option", { value: k })), ...namespaces.map((n) => h("option", { value: `ns ${n}` })));
  input.value = "";
  dialog.showModal();
  input.focus();
}

function runCommand(text) {
  const [word, argument] = text.trim().replace(/^:/, "").split(/\s+/);
  if (word === "ns" || word === "namespace") return switchNamespace(argument === "all" ? "" : argument || "");
  const page = KINDS[(word || "").toLowerCase()];
  if (page) ctx.navigate(`#/${page}`); else toast(`unknown kind: ${word}`, { bad: true });
}

function switchNamespace(name) {
  ctx.namespace = name;
  localStorage.setItem("kubemini.namespace", name);
  document.getElementById("namespace").value = name;
  start();
}

function onKey(event) {
  const target = event.target;
  const typing = target.matches("input, textarea, select") || target.isContentEditable;
  if (document.querySelector("dialog[open]") || !document.getElementById("login").hidden) return;
  if (event.key === "Escape") {
    if (typing) { target.blur(); return; }
    if (route().name === "pod") history.back();
    return;
  }
  if (typing || event.altKey || event.metaKey) return;
  if (event.ctrlKey) {
    if (event.key === "d" && focusedRowKey()) { event.preventDefault(); view.rowAction(focusedRowKey(), "delete", live); }
    return;
  }
  const key = event.key;
  if (key === "/") { event.preventDefault(); const filter = document.querySelector("main [data-filter]"); if (filter) filter.focus(); }
  else if (key === ":") { event.preventDefault(); openCommand(); }
  else if (key === "?") document.getElementById("help").showModal();
  else if (NUMBER_KEYS[key]) ctx.navigate(`#/${NUMBER_KEYS[key]}`);
  else if (key === "j" || key === "ArrowDown") { event.preventDefault(); moveRowFocus(1); }
  else if (key === "k" || key === "ArrowUp") { event.preventDefault(); moveRowFocus(-1); }
  else if (key === "Enter" && target.matches("tr[data-key]")) { /* the row's own handler opens it */ }
  else if (["s", "r", "c"].includes(key) && focusedRowKey()) view.rowAction(focusedRowKey(), key, live);
}

async function boot() {
  document.getElementById("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("login-error");
    error.textContent = "";
    try {
      const who = await post("/login", { token: document.getElementById("token").value.trim() });
      document.getElementById("token").value = "";
      showApp(who.username);
    } catch (failure) { error.textContent = failure.message; }
  });
  document.getElementById("logout").addEventListener("click", async () => { await post("/logout"); showLogin(); });
  document.getElementById("namespace").addEventListener("change", (event) => switchNamespace(event.target.value));
  document.getElementById("command-form").addEventListener("submit", () => runCommand(document.getElementById("command-input").value));
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", () => { if (document.getElementById("login").hidden) start(); });
  setInterval(() => { if (view && live) view.render(live); }, 5000);  // ages tick; no request is made
  try { showApp((await get("/api/whoami")).username); }
  catch { showLogin(); }
}

boot();
