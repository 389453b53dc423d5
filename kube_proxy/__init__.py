"""kube-proxy: Service ClusterIPs, NodePorts and LoadBalancer ports carried to ready endpoints, plus cluster DNS.

`running` wires the process; `syncing` is the rebuild-and-diff loop over `service_ports`
(desired state); `tcp_proxying` / `udp_proxying` move the bytes, choosing endpoints with
`load_balancing`; `service_routing` makes the Service range local; `dns_records`,
`dns_answering`, `dns_serving` and `dns_service` are the cluster DNS; `load_balancer_status`
advertises the node address as a LoadBalancer ingress.
"""
