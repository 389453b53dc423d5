// One EventSource per page: the backend multiplexes the page's feeds (list-then-watch each) into it.
// Rows are kept per feed by key; the browser's own reconnect sends Last-Event-ID, so the backend
// resumes every watch where it was and the rows kept here stay valid (a `reset` replaces them).

export class LiveFeeds {
  constructor(feeds, scope, { metrics = false, onChange, onStatus }) {
    this.rows = new Map(feeds.map((feed) => [feed, new Map()]));
    if (metrics) this.rows.set("node-metrics", new Map());
    this.denied = new Map();
    this.unavailable = new Map();
    this.synced = new Set();
    this.onChange = onChange;
    this.onStatus = onStatus;
    const params = new URLSearchParams({ feeds: feeds.join(",") });
    for (const [name, value] of Object.entries(scope)) if (value) params.set(name, value);
    if (metrics) params.set("metrics", "1");
    this.source = new EventSource(`/api/stream?${params}`);
    this.source.onopen = () => this.onStatus(true);
    this.source.onerror = () => this.onStatus(false);
    this.source.onmessage = (event) => this.receive(JSON.parse(event.data));
  }

  receive(message) {
    const rows = this.rows.get(message.feed);
    if (!rows) return;
    if (message.type === "reset") {
      rows.clear();
      for (const row of message.rows) rows.set(row.key, row);
      this.synced.add(message.feed);
      this.unavailable.delete(message.feed);
    } else if (message.type === "change") {
      if (message.event === "DELETED") rows.delete(message.row.key);
      else rows.set(message.row.key, message.row);
    } else if (message.type === "denied") {
      this.denied.set(message.feed, `not allowed: ${message.message || message.reason}`);
      this.synced.add(message.feed);
    } else if (message.type === "invalid") {
      this.denied.set(message.feed, `the API refused this query: ${message.message}`);
      this.synced.add(message.feed);
    } else if (message.type === "unavailable") {
      this.unavailable.set(message.feed, message.message);
    } else {
      return;  // bookmark: only the event id moved
    }
    this.onChange(message.feed);
  }

  list(feed) { return [...(this.rows.get(feed) || new Map()).values()]; }
  get(feed, key) { return (this.rows.get(feed) || new Map()).get(key); }
  close() { this.source.close(); }
}
