// Services with the endpoints of their EndpointSlices, Ingresses with their routes and backends' endpoints.

import { age, badge, h } from "../dom.js";
import { replaceContent, section, table } from "../table.js";
import { byNamespaceName, deniedNote, matches, nameFilter } from "./shared.js";

function endpointsOf(live, namespace, service) {
  const found = [];
  for (const slice of live.list("endpointslices")) {
    if (slice.namespace === namespace && slice.service === service) found.push(...slice.endpoints);
  }
  return found;
}

function chips(endpoints) {
  if (!endpoints.length) return h("span", { class: "note" }, "none");
  return h("div", { class: "chips" }, endpoints.map((e) => h("span", {
    class: e.ready ? "chip" : "chip notready", title: `${e.pod || ""} ${e.ready ? "ready" : "not ready"}` }, e.address)));
}

export default {
  title: "Services",
  feeds: () => ["services", "endpointslices", "ingresses", "namespaces"],
  mount(main, ctx) {
    const services = section("Services", "services"), ingresses = section("Ingresses", "ingresses");
    let live = null;
    const render = () => live && this.draw(services.body, ingresses.body, live, ctx);
    main.replaceChildren(h("h1", {}, "Services and Ingresses"), h("div", { class: "toolbar" }, nameFilter(ctx, render)),
      services.el, ingresses.el);
    return { render(current) { live = current; render(); }, rowAction() {} };
  },
  draw(servicesBody, ingressesBody, live, ctx) {
    replaceContent(servicesBody, deniedNote(live, "services") || table([
      { title: "Name", id: "name", cell: (s) => s.name },
      { title: "Namespace", id: "namespace", cell: (s) => s.namespace },
      { title: "Type", id: "type", cell: (s) => s.type },
      { title: "Cluster IP", id: "clusterip", cell: (s) => s.clusterIP },
      { title: "Ports", id: "ports", cell: (s) => s.ports.join(", ") },
      { title: "Endpoints", id: "endpoints", cell: (s) => deniedNote(live, "endpointslices") || chips(endpointsOf(live, s.namespace, s.name)) },
      { title: "Age", id: "age", cell: (s) => age(s.created) },
    ], live.list("services").filter((r) => matches(ctx, r)).sort(byNamespaceName), { label: "Services", empty: "no services" }));
    replaceContent(ingressesBody, deniedNote(live, "ingresses") || table([
      { title: "Name", id: "name", cell: (i) => i.name },
      { title: "Namespace", id: "namespace", cell: (i) => i.namespace },
      { title: "Class", id: "class", cell: (i) => i.className },
      { title: "Routes", id: "routes", cell: (i) => h("ul", {}, i.routes.map((r) => h("li", {},
        `${r.host}${r.path} → ${r.backend} `, chips(endpointsOf(live, i.namespace, r.service))))) },
      { title: "TLS", id: "tls", cell: (i) => (i.tlsHosts.length ? badge(i.tlsHosts.join(", "), "good") : "") },
      { title: "Address", id: "address", cell: (i) => i.addresses.join(", ") },
      { title: "Age", id: "age", cell: (i) => age(i.created) },
    ], live.list("ingresses").filter((r) => matches(ctx, r)).sort(byNamespaceName), { label: "Ingresses", empty: "no ingresses" }));
  },
};
