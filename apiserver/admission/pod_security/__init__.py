"""PodSecurity admission: the Pod Security Standards (privileged / baseline / restricted) per namespace.

checks.py     which checks each level runs, in upstream order; the `reason (detail), ...` text
baseline.py   restricted.py   the checks, one function each, worded as pod-security-admission
policy.py     namespace labels pod-security.kubernetes.io/{enforce,audit,warn}[-version] over the defaults
plugin.py     the admission plugin: pods refused (enforce) or warned (warn); workloads only warned
config.py     the cluster defaults and exemptions, and the apiserver flags that set them
"""
