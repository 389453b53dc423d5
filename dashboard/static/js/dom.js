// Small DOM helpers: h() builds elements (text is always text, never HTML), formatters for cells.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "width") el.style.width = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function age(timestamp, now = Date.now()) {
  if (!timestamp) return "";
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function cpu(millis) {
  return millis >= 1000 ? `${(millis / 1000).toFixed(millis % 1000 ? 1 : 0)}` : `${millis}m`;
}

export function memory(bytes) {
  const units = ["B", "Ki", "Mi", "Gi", "Ti"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

export function bar(fraction, { label, busy = false, used = null } = {}) {
  const pct = Math.round(Math.min(Math.max(fraction, 0), 1) * 100);
  const el = h("div", { class: busy ? "bar busy" : "bar", role: "progressbar", "aria-valuemin": 0,
    "aria-valuemax": 100, "aria-valuenow": pct, "aria-label": label || `${pct}%` },
    h("span", { width: `${pct}%` }));
  if (used !== null) el.append(h("span", { class: "used", width: `${Math.round(Math.min(used, 1) * 100)}%` }));
  return el;
}

export function badge(text, health) {
  return h("span", { class: `badge ${health || ""}` }, text);
}

export function toast(message, { bad = false } = {}) {
  const box = document.getElementById("toast");
  const item = h("div", { class: bad ? "bad" : "" }, message);
  box.append(item);
  setTimeout(() => item.remove(), bad ? 8000 : 4000);
}
