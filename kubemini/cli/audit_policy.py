"""The audit policy `kubemini up` gives a cluster: who changed what, without the noise or the secrets.

    write_default_audit_policy(path)   → <home>/pki/audit-policy.yaml (unless one exists)

Modelled on the policy in Kubernetes' auditing documentation: health checks, discovery and
OpenAPI fetches, and Lease renewals are not logged; Secrets, ConfigMaps, TokenRequests and
TokenReviews only at Metadata (the apiserver caps them there anyway); every other read at
Metadata, every write at Request (the body that was sent). RequestReceived is omitted: the
ResponseComplete event carries the same facts and more.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version", "/metrics", "/openapi*"]
  - level: None  # discovery
    nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*"]
  - level: None
    resources: [{group: coordination.k8s.io, resources: [leases]}]
    verbs: [get, update, watch]
  - level: Metadata
    resources:
      - {group: "", resources: [secrets, configmaps, serviceaccounts/token]}
      - {group: authentication.k8s.io, resources: [tokenreviews]}
  - level: Metadata
    verbs: [get, list, watch]
  - level: Request
    verbs: [create, update, patch, delete, deletecollection]
  - level: Metadata
"""


def write_default_audit_policy(path: Path) -> bool:
    """Create the cluster's audit policy unless one exists; True when it was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(DEFAULT_AUDIT_POLICY)
    os.chmod(partial, 0o600)
    partial.replace(path)
    return True
