// Calls to the dashboard backend (same origin, session cookie); POSTs carry the anti-CSRF header.

export class NotLoggedIn extends Error {}

async function answer(response) {
  const text = await response.text();
  let body = {};
  try { body = text ? JSON.parse(text) : {}; } catch { body = { error: text }; }
  if (response.status === 401) throw new NotLoggedIn(body.error || "not logged in");
  if (!response.ok) {
    const error = new Error(body.error || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

export async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Kubemini-Dashboard": "1" },
    body: JSON.stringify(body || {}),
  });
  return answer(response);
}

export async function get(path) {
  return answer(await fetch(path, { credentials: "same-origin" }));
}

export async function getText(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  if (response.status === 401) throw new NotLoggedIn();
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try { message = JSON.parse(text).error; } catch { /* plain text */ }
    throw new Error(message);
  }
  return text;
}
