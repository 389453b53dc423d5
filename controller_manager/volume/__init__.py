"""Storage controllers, named as kube-controller-manager's `--controllers`:

    persistentvolume-binder   binder.py      claims ⇄ volumes, phases, reclaim, the local-path provisioner
    persistentvolume-expander expander.py    a bound claim asking for more: PV capacity + claim status
    pvc-protection            protection.py  kubernetes.io/pvc-protection off once no pod uses the claim
    pv-protection             protection.py  kubernetes.io/pv-protection off once the volume is not Bound

Decisions are pure (planning.py, kubemini.api.persistent_volumes, kubemini.api.local_path);
the controllers carry them out.
"""
