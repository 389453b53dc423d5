"""The metrics component (metrics-server's model): kubelets' resource metrics, served as metrics.k8s.io.

scraping.py     every --metric-resolution: each Node's kubelet GET /metrics/resource ──► readings
storing.py      the last two readings per node and container ──► CPU rate over their window
serving.py      /apis/metrics.k8s.io/v1beta1 PodMetrics / NodeMetrics (list, get, labelSelector)
registering.py  Service + Endpoints (this process's address) + APIService v1beta1.metrics.k8s.io,
                so the apiserver's aggregation layer sends the group's requests here
"""
