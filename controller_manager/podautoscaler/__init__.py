"""The HorizontalPodAutoscaler controller ("horizontalpodautoscaling").

replica_calculation.py  pods + metrics ──► proposed replicas (usage ratio, tolerance, unready/missing pods)
scaling_rules.py        proposal + history ──► stabilized, rate-limited desired replicas (behavior)
metrics_reading.py      metrics.k8s.io PodMetrics through the apiserver ──► per-pod samples
controller.py           HPA ──► /scale of its target ──► proposal ──► rescale, status, conditions, events
"""
