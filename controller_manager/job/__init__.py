"""The Job controller ("job"): pods run to completion, counted exactly once.

controller.py      informers, handlers, reconcile(key) ──► the steps below, in order
managing.py        how many pods run, which are created and deleted, the failure back-off
status_writing.py  the status writes and finalizer removals of the accounting, orphan pods
tracking.py        finished pods ──► uncountedTerminatedPods ──► finalizers removed ──► counters
status.py          conditions and the verdict: running, failure target, success criteria, done
pods.py            pods from the template (index, hostname, env, tracking finalizer), pod classification
failure_policy.py  podFailurePolicy and successPolicy rules (pure)
indexes.py         `"0-2,5"` interval strings of completed and failed indexes
"""
