"""The ingress controller: networking.k8s.io/v1 Ingresses of the `kubemini` class served on the node.

    informers (Ingress, IngressClass, Service, EndpointSlice, Secret) ──► build_routing_table()
        ──► an immutable RoutingTable swapped in on every change
    HTTP / HTTPS listeners ──► choose_route(table, host, path) ──► choose_upstream (canary) ──► endpoint
    StatusController ──► status.loadBalancer.ingress = the listen address

Run it as `python -m ingress_controller`.
"""
