"""The smallest valid object of every built-in kind, as a user would write it (no defaults filled in).

Keyed by (apiVersion, kind); `minimal(api_version, kind, name)` gives a fresh copy named `name`.
"""

from __future__ import annotations

import base64
import copy

IMAGE = "kubemini/busybox:1.35"
POD_SPEC = {"containers": [{"name": "c", "image": IMAGE}]}
TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": POD_SPEC}
SELECTOR = {"matchLabels": {"app": "x"}}
JOB_TEMPLATE = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": IMAGE}]}}
CSR_REQUEST = base64.b64encode(  # a real one (CN kubemini-test, ECDSA P-256): the apiserver parses it
    b"-----BEGIN CERTIFICATE REQUEST-----\n"
    b"MIHSMHoCAQAwGDEWMBQGA1UEAwwNa3ViZW1pbmktdGVzdDBZMBMGByqGSM49AgEG\n"
    b"CCqGSM49AwEHA0IABLtW8ROrOH/gn4rwpED7P0Etlegx0BKS6t6X0zM4SeUrHKQ9\n"
    b"Yq3+98BTzaJMYFFX+4VeOlfLrkhr20GtPvv/8BqgADAKBggqhkjOPQQDAgNIADBF\n"
    b"AiBC5wHLbbP9NSB+LvgypoKGNyKc4LTaq/vcr95AfCXW5gIhALoGm4N33y+SgzQa\n"
    b"DYefmp4O7bNTmKv2sBuikw+P4n0k\n"
    b"-----END CERTIFICATE REQUEST-----\n"
).decode()

BODIES: dict[tuple[str, str], dict] = {
    ("v1", "Namespace"): {},
    ("v1", "Node"): {},
    ("v1", "Pod"): {"spec": POD_SPEC},
    ("v1", "Service"): {"spec": {"ports": [{"port": 80}]}},
    ("v1", "Endpoints"): {"subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80}]}]},
    ("v1", "ConfigMap"): {"data": {"a": "b"}},
    ("v1", "Secret"): {"stringData": {"a": "b"}},
    ("v1", "Event"): {"involvedObject": {"kind": "Pod", "name": "p"}, "reason": "Tested", "message": "hello"},
    ("v1", "ServiceAccount"): {},
    ("v1", "ReplicationController"): {"spec": {"template": TEMPLATE}},
    ("v1", "PodTemplate"): {"template": TEMPLATE},
    ("v1", "ResourceQuota"): {"spec": {"hard": {"pods": "10"}}},
    ("v1", "LimitRange"): {"spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}}]}},
    ("v1", "PersistentVolume"): {
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/pv"}}
    },
    ("v1", "PersistentVolumeClaim"): {
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    },
    ("apps/v1", "Deployment"): {"spec": {"selector": SELECTOR, "template": TEMPLATE}},
    ("apps/v1", "ReplicaSet"): {"spec": {"selector": SELECTOR, "template": TEMPLATE}},
    ("apps/v1", "DaemonSet"): {"spec": {"selector": SELECTOR, "template": TEMPLATE}},
    ("apps/v1", "StatefulSet"): {"spec": {"selector": SELECTOR, "template": TEMPLATE}},
    ("apps/v1", "ControllerRevision"): {"revision": 1, "data": {"spec": {}}},
    ("batch/v1", "Job"): {"spec": {"template": JOB_TEMPLATE}},
    ("batch/v1", "CronJob"): {"spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": JOB_TEMPLATE}}}},
    ("autoscaling/v2", "HorizontalPodAutoscaler"): {
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"}, "maxReplicas": 3}
    },
    ("autoscaling/v1", "HorizontalPodAutoscaler"): {
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"}, "maxReplicas": 3}
    },
    ("policy/v1", "PodDisruptionBudget"): {"spec": {"minAvailable": 1, "selector": SELECTOR}},
    ("networking.k8s.io/v1", "Ingress"): {
        "spec": {"defaultBackend": {"service": {"name": "svc", "port": {"number": 80}}}}
    },
    ("networking.k8s.io/v1", "IngressClass"): {"spec": {"controller": "example.com/ingress"}},
    ("networking.k8s.io/v1", "NetworkPolicy"): {"spec": {"podSelector": {}}},
    ("discovery.k8s.io/v1", "EndpointSlice"): {
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.1.2.3"]}],
        "ports": [{"port": 80}],
    },
    ("rbac.authorization.k8s.io/v1", "Role"): {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): {
        "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]
    },
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        "subjects": [{"kind": "User", "name": "alice"}],
    },
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
        "subjects": [{"kind": "Group", "name": "devs"}],
    },
    ("scheduling.k8s.io/v1", "PriorityClass"): {"value": 1000},
    ("storage.k8s.io/v1", "StorageClass"): {"provisioner": "example.com/local"},
    ("storage.k8s.io/v1", "CSIDriver"): {"spec": {}},
    ("storage.k8s.io/v1", "CSINode"): {"spec": {"drivers": []}},
    ("storage.k8s.io/v1", "CSIStorageCapacity"): {"storageClassName": "standard"},
    ("storage.k8s.io/v1", "VolumeAttachment"): {
        "spec": {"attacher": "example.com/csi", "nodeName": "n1", "source": {"persistentVolumeName": "pv"}}
    },
    ("events.k8s.io/v1", "Event"): {
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "example.com/tester",
        "reportingInstance": "tester-1",
        "action": "Testing",
        "reason": "Tested",
        "regarding": {"kind": "Pod", "name": "p"},
        "note": "hello",
        "type": "Normal",
    },
    ("certificates.k8s.io/v1", "CertificateSigningRequest"): {
        "spec": {"request": CSR_REQUEST, "signerName": "example.com/signer", "usages": ["client auth"]}
    },
    ("node.k8s.io/v1", "RuntimeClass"): {"handler": "runc"},
    ("apiregistration.k8s.io/v1", "APIService"): {
        "spec": {"group": "example.com", "version": "v1", "groupPriorityMinimum": 100, "versionPriority": 10}
    },
    ("coordination.k8s.io/v1", "Lease"): {"spec": {"holderIdentity": "me", "leaseDurationSeconds": 15}},
}
# Kinds whose names must follow a pattern of their own.
NAMES = {
    ("apiregistration.k8s.io/v1", "APIService"): "v1.example.com",
}


CRD_GROUP = "every.example.com"


def minimal_crd(name: str) -> dict:
    """A CRD whose names come from `name` (a DNS-1035 label), so tests that make many never collide."""
    kind = "".join(part.capitalize() for part in name.split("-"))
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{name}.{CRD_GROUP}"},
        "spec": {
            "group": CRD_GROUP,
            "scope": "Namespaced",
            "names": {"plural": name, "kind": kind},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


def minimal(api_version: str, kind: str, name: str) -> dict:
    if kind == "CustomResourceDefinition":
        return minimal_crd(name)
    body = copy.deepcopy(BODIES[(api_version, kind)])
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": NAMES.get((api_version, kind), name)}, **body}
