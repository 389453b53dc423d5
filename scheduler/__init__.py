"""kube-scheduler for kubemini: `python -m scheduler`.

Informers → cache (nodes, requested resources, assumed pods) and queue (active /
backoff / unschedulable) → scheduling loop (filters.py, scores.py, scheduling.py)
→ binder (pods/binding, concurrent). See leading.py for how a term is wired.
"""
