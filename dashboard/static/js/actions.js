// Actions behind a confirmation dialog; the backend sends them with the user's own token.

import { post } from "./api.js";
import { h, toast } from "./dom.js";

const dialog = () => document.getElementById("confirm");

// Enter in the replicas field confirms (a form's implicit submit would press its first button, Cancel).
document.getElementById("confirm-input").addEventListener("keydown", (event) => {
  if (event.key === "Enter") { event.preventDefault(); dialog().close("ok"); }
});

export function confirmDialog({ title, body, replicas = null, okText = "Confirm" }) {
  const el = dialog();
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-body").textContent = body;
  const inputLabel = document.getElementById("confirm-input-label");
  const input = document.getElementById("confirm-input");
  inputLabel.hidden = replicas === null;
  if (replicas !== null) input.value = String(replicas);
  document.getElementById("confirm-ok").textContent = okText;
  return new Promise((resolve) => {
    el.addEventListener("close", () => {
      if (el.returnValue !== "ok") return resolve(null);
      resolve(replicas === null ? true : Number.parseInt(input.value, 10));
    }, { once: true });
    el.returnValue = "";
    el.showModal();
    (replicas === null ? document.getElementById("confirm-cancel") : input).focus();
    if (replicas !== null) input.select();
  });
}

async function run(payload, done) {
  try {
    await post("/api/actions", payload);
    toast(done);
  } catch (error) {
    toast(error.status === 403 ? `not allowed: ${error.message.replace(/^not allowed: /, "")}` : error.message, { bad: true });
  }
}

export async function scale(row) {
  const replicas = await confirmDialog({ title: `Scale ${row.kind} ${row.namespace}/${row.name}`,
    body: `It asks for ${row.desired} now.`, replicas: row.desired, okText: "Scale" });
  if (replicas === null || Number.isNaN(replicas)) return;
  await run({ action: "scale", kind: row.kind, namespace: row.namespace, name: row.name, replicas },
    `${row.name} scaled to ${replicas}`);
}

export async function restart(row) {
  const ok = await confirmDialog({ title: `Restart ${row.kind} ${row.namespace}/${row.name}`,
    body: "Every pod is replaced, as `kubectl rollout restart` does.", okText: "Restart" });
  if (ok) await run({ action: "restart", kind: row.kind, namespace: row.namespace, name: row.name }, `${row.name} restarting`);
}

export async function deletePod(row) {
  const ok = await confirmDialog({ title: `Delete pod ${row.namespace}/${row.name}`,
    body: "Its controller, if any, makes a new one.", okText: "Delete" });
  if (ok) await run({ action: "delete-pod", namespace: row.namespace, name: row.name }, `${row.name} deleted`);
}

export async function cordon(row) {
  const verb = row.unschedulable ? "uncordon" : "cordon";
  const ok = await confirmDialog({ title: `${verb[0].toUpperCase()}${verb.slice(1)} node ${row.name}`,
    body: row.unschedulable ? "New pods may be scheduled on it again." : "No new pods are scheduled on it; running pods stay.",
    okText: verb });
  if (ok) await run({ action: verb, name: row.name }, `${row.name}: ${verb}ed`);
}

// A button that is there but disabled when the user may not do it (SelfSubjectAccessReview said no).
export function actionButton(label, action, allowed, handler, { danger = false } = {}) {
  return h("button", { type: "button", "data-action": action, class: danger ? "danger" : "",
    disabled: !allowed, title: allowed ? null : "not allowed for your identity",
    onclick: (event) => { event.stopPropagation(); if (allowed) handler(); } }, label);
}
