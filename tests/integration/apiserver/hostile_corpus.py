"""A corpus of hostile and malformed requests: each with the code a real cluster answers it with.

`cases()` builds the list from a few families (bodies, types per kind, parameters,
subresources, patches, deletes, paths and methods, headers). Paths may use `{ns}`
(the test namespace); `writes=True` marks the few that are valid and change etcd.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

NESTED_600 = b'{"metadata":{"name":"deep"},"data":' + b'{"a":' * 600 + b"1" + b"}" * 600 + b"}"
NESTED_20000 = b"[" * 20000 + b"]" * 20000
BILLION_LAUGHS = (
    b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n"
    b'  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + b"".join(
        f"  {n}: &{n} [{','.join(['*' + p] * 9)}]\n".encode() for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
)


@dataclass
class Case:
    name: str
    method: str
    path: str
    code: int
    body: bytes | None = None
    content_type: str = "application/json"
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    writes: bool = False


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _configmap(**extra) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-new"}, "data": {"a": "b"}, **extra}


def _pod(name: str = "pod-new", **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "kubemini/busybox:1.35"}], **spec},
    }


def _template() -> dict:
    return {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}}


# (collection path, a valid object) for every kind the type-family cases exercise.
KINDS = {
    "pods": ("/api/v1/namespaces/{ns}/pods", _pod()),
    "configmaps": ("/api/v1/namespaces/{ns}/configmaps", _configmap()),
    "secrets": ("/api/v1/namespaces/{ns}/secrets", {"metadata": {"name": "s-new"}, "data": {"a": "Yg=="}}),
    "services": (
        "/api/v1/namespaces/{ns}/services",
        {"metadata": {"name": "svc-new"}, "spec": {"ports": [{"port": 80}]}},
    ),
    "deployments": (
        "/apis/apps/v1/namespaces/{ns}/deployments",
        {"metadata": {"name": "d-new"}, "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": _template()}},
    ),
    "statefulsets": (
        "/apis/apps/v1/namespaces/{ns}/statefulsets",
        {"metadata": {"name": "s-new"}, "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": _template()}},
    ),
    "daemonsets": (
        "/apis/apps/v1/namespaces/{ns}/daemonsets",
        {"metadata": {"name": "ds-new"}, "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": _template()}},
    ),
    "jobs": (
        "/apis/batch/v1/namespaces/{ns}/jobs",
        {
            "metadata": {"name": "j-new"},
            "spec": {
                "template": {
                    **_template(),
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]},
                }
            },
        },
    ),
    "cronjobs": (
        "/apis/batch/v1/namespaces/{ns}/cronjobs",
        {
            "metadata": {"name": "cj-new"},
            "spec": {
                "schedule": "*/5 * * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}
                    }
                },
            },
        },
    ),
    "ingresses": (
        "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
        {
            "metadata": {"name": "ing-new"},
            "spec": {"defaultBackend": {"service": {"name": "s", "port": {"number": 80}}}},
        },
    ),
    "rolebindings": (
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
        {
            "metadata": {"name": "rb-new"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        },
    ),
    "leases": ("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases", {"metadata": {"name": "l-new"}, "spec": {}}),
    "horizontalpodautoscalers": (
        "/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers",
        {
            "metadata": {"name": "h-new"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d"}, "maxReplicas": 3},
        },
    ),
    "poddisruptionbudgets": (
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
        {"metadata": {"name": "pdb-new"}, "spec": {}},
    ),
    "networkpolicies": (
        "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
        {"metadata": {"name": "np-new"}, "spec": {"podSelector": {}}},
    ),
    "endpointslices": (
        "/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices",
        {"metadata": {"name": "es-new"}, "addressType": "IPv4", "endpoints": []},
    ),
    "events": (
        "/api/v1/namespaces/{ns}/events",
        {"metadata": {"name": "ev-new"}, "involvedObject": {"kind": "Pod", "name": "p"}},
    ),
    "persistentvolumeclaims": (
        "/api/v1/namespaces/{ns}/persistentvolumeclaims",
        {
            "metadata": {"name": "pvc-new"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        },
    ),
    "namespaces": ("/api/v1/namespaces", {"metadata": {"name": "ns-hostile-new"}}),
    "priorityclasses": ("/apis/scheduling.k8s.io/v1/priorityclasses", {"metadata": {"name": "pc-new"}, "value": 5}),
    "storageclasses": (
        "/apis/storage.k8s.io/v1/storageclasses",
        {"metadata": {"name": "sc-new"}, "provisioner": "x/y"},
    ),
    "clusterroles": ("/apis/rbac.authorization.k8s.io/v1/clusterroles", {"metadata": {"name": "cr-new"}, "rules": []}),
}
# Wrong JSON types every kind's metadata must refuse with 400 (Go cannot decode them).
METADATA_TYPE_ERRORS = {
    "metadata-string": "x",
    "labels-list": {"name": "t", "labels": ["a"]},
    "label-value-number": {"name": "t", "labels": {"a": 1}},
    "annotations-string": {"name": "t", "annotations": "x"},
    "owner-references-string": {"name": "t", "ownerReferences": "x"},
    "owner-reference-uid-number": {
        "name": "t",
        "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": 5}],
    },
    "finalizers-string": {"name": "t", "finalizers": "x"},
    "name-number": {"name": 7},
    "generation-string": {"name": "t", "generation": "one"},
    "deletion-grace-huge": {"name": "t", "deletionGracePeriodSeconds": 10**30},
}


def _body_family() -> list[Case]:
    path = "/api/v1/namespaces/{ns}/configmaps"
    cases = [
        Case("json-truncated", "POST", path, 400, b'{"metadata": {'),
        Case("json-nan", "POST", path, 400, b'{"metadata":{"name":"n"},"data":{},"x":NaN}'),
        Case("json-infinity", "POST", path, 400, b'{"metadata":{"name":"n"},"x":Infinity}'),
        Case("json-minus-infinity", "POST", path, 400, b'{"metadata":{"name":"n"},"x":-Infinity}'),
        Case("json-float-overflow", "POST", path, 400, b'{"metadata":{"name":"n"},"x":1e400}'),
        Case("json-5000-digit-int", "POST", path, 400, b'{"metadata":{"name":"n"},"x":' + b"9" * 5000 + b"}"),
        Case("json-invalid-utf8", "POST", path, 400, b'{"metadata":{"name":"\xff\xfe"}}'),
        Case("json-lone-surrogate-name", "POST", path, 422, b'{"metadata":{"name":"a\\ud800b"}}'),
        Case(
            "json-lone-surrogate-value",
            "POST",
            path,
            201,
            b'{"metadata":{"name":"surrogate"},"data":{"a":"x\\udc00"}}',
            writes=True,
        ),
        Case("json-empty", "POST", path, 400, b""),
        Case("json-whitespace", "POST", path, 400, b"   \n"),
        Case("json-array", "POST", path, 400, b"[]"),
        Case("json-string", "POST", path, 400, b'"configmap"'),
        Case("json-number", "POST", path, 400, b"42"),
        Case("json-null", "POST", path, 400, b"null"),
        Case("json-nested-600", "POST", path, 400, NESTED_600),
        Case("json-nested-20000", "POST", path, 400, NESTED_20000),
        Case(
            "json-duplicate-key-strict",
            "POST",
            path,
            400,
            b'{"metadata":{"name":"dup","name":"dup2"}}',
            params={"fieldValidation": "Strict"},
        ),
        Case("json-duplicate-key-warn", "POST", path, 201, b'{"metadata":{"name":"dupw","name":"dupw2"}}', writes=True),
        Case(
            "unknown-field-strict", "POST", path, 400, _json(_configmap(datta={})), params={"fieldValidation": "Strict"}
        ),
        Case(
            "unknown-nested-field-strict",
            "POST",
            "/api/v1/namespaces/{ns}/pods",
            400,
            _json(_pod(containers=[{"name": "c", "image": "i", "imagee": "x"}])),
            params={"fieldValidation": "Strict"},
        ),
        Case("field-validation-garbage", "POST", path, 400, _json(_configmap()), params={"fieldValidation": "Loose"}),
        Case("yaml-billion-laughs", "POST", path, 400, BILLION_LAUGHS, "application/yaml"),
        Case("yaml-alias-cycle", "POST", path, 400, b"metadata: &a {name: x, self: *a}", "application/yaml"),
        Case("yaml-malformed", "POST", path, 400, b"metadata: [unclosed", "application/yaml"),
        Case("yaml-nan", "POST", path, 400, b"metadata: {name: n}\ndata: {a: .nan}", "application/yaml"),
        Case(
            "yaml-two-documents",
            "POST",
            path,
            400,
            b"metadata: {name: a}\n---\nmetadata: {name: b}",
            "application/yaml",
        ),
        Case("yaml-list", "POST", path, 400, b"- a\n- b", "application/yaml"),
        Case("yaml-deep", "POST", path, 400, b"[" * 3000 + b"]" * 3000, "application/yaml"),
        Case("yaml-int-data-value", "POST", path, 400, b"metadata: {name: yi}\ndata: {a: 1}", "application/yaml"),
        Case(
            "yaml-timestamp-as-string",
            "POST",
            path,
            201,
            b"metadata: {name: ts}\ndata: {a: 2001-12-14}",
            "application/yaml",
            writes=True,
        ),
        Case("protobuf-garbage", "POST", path, 400, b"k8s\x00garbage", "application/vnd.kubernetes.protobuf"),
        Case("cbor", "POST", path, 415, b"\xa1", "application/cbor"),
        Case("form-encoded", "POST", path, 415, b"a=b", "application/x-www-form-urlencoded"),
        Case("text-plain", "POST", path, 415, b"{}", "text/plain"),
        Case("too-large-object", "POST", path, 413, _json(_configmap(data={"a": "x" * (1600 * 1024)}))),
        Case("too-large-body", "POST", path, 413, b" " * (3 * 1024 * 1024 + 10) + b"{}"),
        Case("kind-mismatch", "POST", path, 400, _json({**_configmap(), "kind": "Secret"})),
        Case("apiversion-mismatch", "POST", path, 400, _json({**_configmap(), "apiVersion": "apps/v1"})),
        Case(
            "namespace-mismatch",
            "POST",
            path,
            400,
            _json({**_configmap(), "metadata": {"name": "x", "namespace": "other"}}),
        ),
        Case("no-name", "POST", path, 422, _json({"metadata": {}})),
        Case("bad-name", "POST", path, 422, _json({"metadata": {"name": "Bad_Name"}})),
        Case("long-name", "POST", path, 422, _json({"metadata": {"name": "a" * 300}})),
        Case("generate-name-only-dash", "POST", path, 422, _json({"metadata": {"generateName": "-"}})),
        Case("bad-label-key", "POST", path, 422, _json({"metadata": {"name": "l", "labels": {"a b": "c"}}})),
        Case(
            "bad-annotations-size",
            "POST",
            path,
            422,
            _json({"metadata": {"name": "an", "annotations": {"a": "x" * (300 * 1024)}}}),
        ),
        Case(
            "two-controllers",
            "POST",
            path,
            422,
            _json(
                {
                    "metadata": {
                        "name": "oc",
                        "ownerReferences": [
                            {"apiVersion": "v1", "kind": "Pod", "name": "a", "uid": "1", "controller": True},
                            {"apiVersion": "v1", "kind": "Pod", "name": "b", "uid": "2", "controller": True},
                        ],
                    }
                }
            ),
        ),
        Case("bad-config-key", "POST", path, 422, _json({"metadata": {"name": "ck"}, "data": {"a b": "c"}})),
        Case(
            "secret-bad-base64",
            "POST",
            "/api/v1/namespaces/{ns}/secrets",
            400,
            _json({"metadata": {"name": "b64"}, "data": {"a": "!!!"}}),
        ),
    ]
    return cases


def _type_family() -> list[Case]:
    cases = []
    for plural, (path, valid) in KINDS.items():
        for label, metadata in METADATA_TYPE_ERRORS.items():
            cases.append(Case(f"{plural}-{label}", "POST", path, 400, _json({**valid, "metadata": metadata})))
        for label, value in (("array", []), ("string", "x"), ("number", 5)):
            if "spec" in valid:
                cases.append(Case(f"{plural}-spec-{label}", "POST", path, 400, _json({**valid, "spec": value})))
    pods = KINDS["pods"][0]
    deployments = KINDS["deployments"][0]
    deployment = KINDS["deployments"][1]
    for label, spec in {
        "containers-string": {"containers": "nginx"},
        "container-string": {"containers": ["nginx"]},
        "tolerations-string": {"containers": [{"name": "c", "image": "i"}], "tolerations": "all"},
        "node-selector-list": {"containers": [{"name": "c", "image": "i"}], "nodeSelector": ["a"]},
        "grace-string": {"containers": [{"name": "c", "image": "i"}], "terminationGracePeriodSeconds": "30"},
        "grace-huge": {"containers": [{"name": "c", "image": "i"}], "terminationGracePeriodSeconds": 2**64},
        "port-overflow": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 2**31}]}]},
        "port-float": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80.5}]}]},
        "env-value-number": {"containers": [{"name": "c", "image": "i", "env": [{"name": "A", "value": 1}]}]},
        "command-string": {"containers": [{"name": "c", "image": "i", "command": "sh -c x"}]},
        "bad-quantity": {"containers": [{"name": "c", "image": "i", "resources": {"limits": {"cpu": "lots"}}}]},
        "quantity-huge-exponent": {
            "containers": [{"name": "c", "image": "i", "resources": {"limits": {"cpu": "1e999999999"}}}]
        },
        "probe-port-bool": {
            "containers": [{"name": "c", "image": "i", "livenessProbe": {"tcpSocket": {"port": True}}}]
        },
        "host-network-string": {"containers": [{"name": "c", "image": "i"}], "hostNetwork": "true"},
        "volumes-map": {"containers": [{"name": "c", "image": "i"}], "volumes": {"a": {}}},
    }.items():
        cases.append(Case(f"pod-{label}", "POST", pods, 400, _json({**_pod(), "spec": spec})))
    for label, spec in {
        "no-containers": {"containers": []},
        "container-no-image": {"containers": [{"name": "c"}]},
        "port-out-of-range": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 70000}]}]},
        "bad-restart-policy": {"containers": [{"name": "c", "image": "i"}], "restartPolicy": "Sometimes"},
        "duplicate-containers": {"containers": [{"name": "c", "image": "i"}, {"name": "c", "image": "j"}]},
        "negative-grace": {"containers": [{"name": "c", "image": "i"}], "terminationGracePeriodSeconds": -1},
        "mount-unknown-volume": {
            "containers": [{"name": "c", "image": "i", "volumeMounts": [{"name": "v", "mountPath": "/v"}]}]
        },
        "bad-toleration": {
            "containers": [{"name": "c", "image": "i"}],
            "tolerations": [{"operator": "Equal", "value": "x"}],
        },
    }.items():
        cases.append(Case(f"pod-{label}", "POST", pods, 422, _json({**_pod(), "spec": spec})))
    for label, value in (("int32-overflow", 2**31), ("huge", 10**20), ("float", 1.5), ("string", "2"), ("bool", True)):
        bad = {**deployment, "spec": {**deployment["spec"], "replicas": value}}
        cases.append(Case(f"deployment-replicas-{label}", "POST", deployments, 400, _json(bad)))
    negative = {**deployment, "spec": {**deployment["spec"], "replicas": -1}}
    cases.append(Case("deployment-replicas-negative", "POST", deployments, 422, _json(negative)))
    no_selector = {**deployment, "spec": {"template": _template()}}
    cases.append(Case("deployment-no-selector", "POST", deployments, 422, _json(no_selector)))
    mismatch = {**deployment, "spec": {**deployment["spec"], "selector": {"matchLabels": {"app": "other"}}}}
    cases.append(Case("deployment-selector-mismatch", "POST", deployments, 422, _json(mismatch)))
    expressions = {
        **deployment,
        "spec": {**deployment["spec"], "selector": {"matchExpressions": [{"key": "app", "operator": "Near"}]}},
    }
    cases.append(Case("deployment-selector-bad-operator", "POST", deployments, 422, _json(expressions)))
    surge = {**deployment, "spec": {**deployment["spec"], "strategy": {"rollingUpdate": {"maxSurge": "ten%"}}}}
    cases.append(Case("deployment-surge-garbage", "POST", deployments, 422, _json(surge)))
    cronjob_path, cronjob = KINDS["cronjobs"]
    cases.append(
        Case(
            "cronjob-bad-schedule",
            "POST",
            cronjob_path,
            422,
            _json({**cronjob, "spec": {**cronjob["spec"], "schedule": "every day"}}),
        )
    )
    cases.append(
        Case(
            "cronjob-tz-in-schedule",
            "POST",
            cronjob_path,
            422,
            _json({**cronjob, "spec": {**cronjob["spec"], "schedule": "TZ=UTC * * * * *"}}),
        )
    )
    service_path, service = KINDS["services"]
    cases.append(
        Case(
            "service-bad-type",
            "POST",
            service_path,
            422,
            _json({**service, "spec": {"type": "Magic", "ports": [{"port": 80}]}}),
        )
    )
    cases.append(
        Case("service-port-string", "POST", service_path, 400, _json({**service, "spec": {"ports": [{"port": "80"}]}}))
    )
    cases.append(
        Case(
            "service-ip-out-of-range",
            "POST",
            service_path,
            422,
            _json({**service, "spec": {"clusterIP": "8.8.8.8", "ports": [{"port": 80}]}}),
        )
    )
    return cases


def _parameter_family() -> list[Case]:
    path = "/api/v1/namespaces/{ns}/configmaps"
    big = str(2**64)
    cases = [
        Case("limit-negative", "GET", path, 400, params={"limit": "-1"}),
        Case("limit-word", "GET", path, 400, params={"limit": "ten"}),
        Case("limit-over-int64", "GET", path, 400, params={"limit": big}),
        Case("resource-version-word", "GET", path, 400, params={"resourceVersion": "latest"}),
        Case("resource-version-over-int64", "GET", path, 400, params={"resourceVersion": big}),
        Case("resource-version-match-garbage", "GET", path, 400, params={"resourceVersionMatch": "Whenever"}),
        Case("continue-garbage", "GET", path, 400, params={"continue": "not-a-token"}),
        Case(
            "continue-other-prefix",
            "GET",
            path,
            400,
            params={"continue": "eyJydiI6IDEsICJzdGFydCI6ICIvcmVnaXN0cnkvc2VjcmV0cy8ifQ=="},
        ),
        Case(
            "continue-huge-revision",
            "GET",
            path,
            400,
            params={"continue": "eyJydiI6IDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwLCAic3RhcnQiOiAiIn0="},
        ),
        Case("watch-resource-version-word", "GET", path, 400, params={"watch": "true", "resourceVersion": "x"}),
        Case("watch-timeout-word", "GET", path, 400, params={"watch": "true", "timeoutSeconds": "soon"}),
        Case(
            "watch-initial-events-without-bookmarks",
            "GET",
            path,
            422,
            params={"watch": "true", "sendInitialEvents": "true"},
        ),
        Case("label-selector-garbage", "GET", path, 400, params={"labelSelector": "a=b=c"}),
        Case("label-selector-bad-key", "GET", path, 400, params={"labelSelector": "-bad=x"}),
        Case("label-selector-bad-value", "GET", path, 400, params={"labelSelector": "a=-x"}),
        Case("label-selector-unclosed", "GET", path, 400, params={"labelSelector": "a in (b"}),
        Case("label-selector-no-operator", "GET", path, 400, params={"labelSelector": "a b"}),
        Case("label-selector-trailing-comma", "GET", path, 400, params={"labelSelector": "a=b,"}),
        Case("label-selector-gt-word", "GET", path, 400, params={"labelSelector": "a>b"}),
        Case("field-selector-unknown-field", "GET", path, 400, params={"fieldSelector": "spec.nodeName=x"}),
        Case(
            "field-selector-unknown-pod-field",
            "GET",
            "/api/v1/namespaces/{ns}/pods",
            400,
            params={"fieldSelector": "spec.image=x"},
        ),
        Case("field-selector-no-operator", "GET", path, 400, params={"fieldSelector": "metadata.name"}),
        Case("field-selector-bad-escape", "GET", path, 400, params={"fieldSelector": "metadata.name=a\\b"}),
        Case("include-object-garbage", "GET", path, 400, params={"includeObject": "Everything"}),
        Case("dry-run-garbage", "POST", path, 400, _json(_configmap()), params={"dryRun": "Yes"}),
        Case("field-manager-too-long", "POST", path, 400, _json(_configmap()), params={"fieldManager": "m" * 200}),
        Case("label-selector-empty-set-is-empty-value", "GET", path, 200, params={"labelSelector": "a in ()"}),
        Case("dry-run-create", "POST", path, 201, _json(_configmap()), params={"dryRun": "All"}),
        Case("log-tail-word", "GET", "/api/v1/namespaces/{ns}/pods/p/log", 400, params={"tailLines": "all"}),
        Case(
            "log-since-time-garbage",
            "GET",
            "/api/v1/namespaces/{ns}/pods/p/log",
            400,
            params={"sinceTime": "yesterday"},
        ),
    ]
    return cases


def _subresource_family() -> list[Case]:
    deployment = "/apis/apps/v1/namespaces/{ns}/deployments/web"
    pod = "/api/v1/namespaces/{ns}/pods/p"
    namespace = "/api/v1/namespaces/{ns}"
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "p"},
        "target": {"kind": "Node", "name": "n1"},
    }
    return [
        Case("status-string", "PUT", f"{deployment}/status", 400, _json({"metadata": {"name": "web"}, "status": "x"})),
        Case(
            "status-replicas-string",
            "PUT",
            f"{deployment}/status",
            400,
            _json({"metadata": {"name": "web"}, "status": {"replicas": "many"}}),
        ),
        Case(
            "status-patch-garbage",
            "PATCH",
            f"{deployment}/status",
            400,
            _json({"status": []}),
            "application/merge-patch+json",
        ),
        Case("scale-replicas-string", "PUT", f"{deployment}/scale", 400, _json({"spec": {"replicas": "x"}})),
        Case("scale-replicas-negative", "PUT", f"{deployment}/scale", 422, _json({"spec": {"replicas": -1}})),
        Case("scale-replicas-overflow", "PUT", f"{deployment}/scale", 400, _json({"spec": {"replicas": 2**40}})),
        Case(
            "scale-kind-mismatch",
            "PUT",
            f"{deployment}/scale",
            400,
            _json({"kind": "Deployment", "spec": {"replicas": 1}}),
        ),
        Case(
            "scale-patch-string",
            "PATCH",
            f"{deployment}/scale",
            400,
            _json({"spec": {"replicas": "x"}}),
            "application/merge-patch+json",
        ),
        Case("scale-body-array", "PUT", f"{deployment}/scale", 400, b"[]"),
        Case("binding-no-target", "POST", f"{pod}/binding", 422, _json({"metadata": {"name": "p"}})),
        Case(
            "binding-target-string", "POST", f"{pod}/binding", 400, _json({"metadata": {"name": "p"}, "target": "n1"})
        ),
        Case("binding-array", "POST", f"{pod}/binding", 400, b"[]"),
        Case(
            "binding-already-bound",
            "POST",
            "/api/v1/namespaces/{ns}/pods/bound/binding",
            409,
            _json({**binding, "metadata": {"name": "bound"}}),
        ),
        Case(
            "bindings-resource-no-target",
            "POST",
            "/api/v1/namespaces/{ns}/bindings",
            422,
            _json({"metadata": {"name": "p"}}),
        ),
        Case(
            "finalize-finalizers-string",
            "PUT",
            f"{namespace}/finalize",
            400,
            _json({"metadata": {"name": "{ns}"}, "spec": {"finalizers": "x"}}),
        ),
        Case("eviction-garbage", "POST", f"{pod}/eviction", 400, _json({"deleteOptions": "now"})),
        Case("eviction-name-mismatch", "POST", f"{pod}/eviction", 400, _json({"metadata": {"name": "other"}})),
        Case("unknown-subresource", "GET", f"{pod}/nosuch", 404),
        Case("log-on-configmap", "GET", "/api/v1/namespaces/{ns}/configmaps/cm/log", 404),
        Case("scale-on-pod", "GET", f"{pod}/scale", 404),
        Case("put-node-name-on-unbound-pod", "PUT", pod, 422, None),
        Case(
            "patch-node-name-on-unbound-pod",
            "PATCH",
            pod,
            422,
            _json({"spec": {"nodeName": "n1"}}),
            "application/merge-patch+json",
        ),
        Case(
            "patch-node-name-change",
            "PATCH",
            "/api/v1/namespaces/{ns}/pods/bound",
            422,
            _json({"spec": {"nodeName": "n2"}}),
            "application/merge-patch+json",
        ),
    ]


def _patch_family() -> list[Case]:
    cm = "/api/v1/namespaces/{ns}/configmaps/cm"
    deployment = "/apis/apps/v1/namespaces/{ns}/deployments/web"
    doubling = [{"op": "add", "path": "/data/d", "value": "y" * 1000}]
    doubling += [{"op": "copy", "from": "/data", "path": f"/data/k{i}"} for i in range(40)]
    many = [{"op": "test", "path": "/kind", "value": "ConfigMap"}] * 10_001
    return [
        Case(
            "json-patch-path-number",
            "PATCH",
            cm,
            400,
            _json([{"op": "remove", "path": 5}]),
            "application/json-patch+json",
        ),
        Case(
            "json-patch-op-unknown",
            "PATCH",
            cm,
            400,
            _json([{"op": "frobnicate", "path": "/data"}]),
            "application/json-patch+json",
        ),
        Case("json-patch-not-list", "PATCH", cm, 400, _json({"op": "add"}), "application/json-patch+json"),
        Case(
            "json-patch-missing-value",
            "PATCH",
            cm,
            400,
            _json([{"op": "add", "path": "/data/x"}]),
            "application/json-patch+json",
        ),
        Case(
            "json-patch-missing-path",
            "PATCH",
            cm,
            422,
            _json([{"op": "remove", "path": "/data/nosuch"}]),
            "application/json-patch+json",
        ),
        Case(
            "json-patch-test-fails",
            "PATCH",
            cm,
            422,
            _json([{"op": "test", "path": "/data/a", "value": "zzz"}]),
            "application/json-patch+json",
        ),
        Case(
            "json-patch-move-into-child",
            "PATCH",
            cm,
            422,
            _json([{"op": "move", "from": "/data", "path": "/data/x"}]),
            "application/json-patch+json",
        ),
        Case(
            "json-patch-bad-index",
            "PATCH",
            deployment,
            422,
            _json([{"op": "remove", "path": "/spec/template/spec/containers/9"}]),
            "application/json-patch+json",
        ),
        Case("json-patch-copy-amplification", "PATCH", cm, 413, _json(doubling), "application/json-patch+json"),
        Case("json-patch-too-many-operations", "PATCH", cm, 413, _json(many), "application/json-patch+json"),
        Case(
            "json-patch-makes-wrong-type",
            "PATCH",
            cm,
            400,
            _json([{"op": "replace", "path": "/data", "value": [1]}]),
            "application/json-patch+json",
        ),
        Case(
            "json-patch-removes-metadata",
            "PATCH",
            cm,
            200,
            _json([{"op": "remove", "path": "/metadata"}]),
            "application/json-patch+json",
        ),
        Case("merge-patch-array", "PATCH", cm, 400, b"[1]", "application/merge-patch+json"),
        Case(
            "merge-patch-wrong-type",
            "PATCH",
            deployment,
            400,
            _json({"spec": {"replicas": "x"}}),
            "application/merge-patch+json",
        ),
        Case(
            "merge-patch-nested-deep",
            "PATCH",
            cm,
            400,
            b'{"data":' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}",
            "application/merge-patch+json",
        ),
        Case("merge-patch-nan", "PATCH", cm, 400, b'{"data":{"a":NaN}}', "application/merge-patch+json"),
        Case(
            "merge-patch-rename",
            "PATCH",
            cm,
            400,
            _json({"metadata": {"name": "other"}}),
            "application/merge-patch+json",
        ),
        Case(
            "strategic-directive-garbage",
            "PATCH",
            deployment,
            422,
            _json({"spec": {"$patch": "garbage"}}),
            "application/strategic-merge-patch+json",
        ),
        Case(
            "strategic-list-element-directive-garbage",
            "PATCH",
            deployment,
            422,
            _json({"spec": {"template": {"spec": {"containers": [{"name": "web", "$patch": "explode"}]}}}}),
            "application/strategic-merge-patch+json",
        ),
        Case(
            "strategic-missing-merge-key",
            "PATCH",
            deployment,
            400,
            _json({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}),
            "application/strategic-merge-patch+json",
        ),
        Case(
            "strategic-object-for-list",
            "PATCH",
            deployment,
            400,
            _json({"spec": {"template": {"spec": {"containers": {"name": "x"}}}}}),
            "application/strategic-merge-patch+json",
        ),
        Case("strategic-not-object", "PATCH", deployment, 400, b'"x"', "application/strategic-merge-patch+json"),
        Case("patch-unknown-type", "PATCH", cm, 415, _json({}), "application/x-custom-patch"),
        Case("patch-no-content-type", "PATCH", cm, 415, _json({}), ""),
        Case(
            "patch-collection",
            "PATCH",
            "/api/v1/namespaces/{ns}/configmaps",
            405,
            _json({}),
            "application/merge-patch+json",
        ),
        Case(
            "patch-missing-object",
            "PATCH",
            "/api/v1/namespaces/{ns}/configmaps/nosuch",
            404,
            _json({"data": {}}),
            "application/merge-patch+json",
        ),
        Case(
            "patch-selector-change",
            "PATCH",
            deployment,
            422,
            _json({"spec": {"selector": {"matchLabels": {"app": "x", "y": "z"}}}}),
            "application/merge-patch+json",
        ),
        Case(
            "patch-stale-resource-version",
            "PATCH",
            cm,
            409,
            _json({"metadata": {"resourceVersion": "1"}, "data": {"z": "1"}}),
            "application/merge-patch+json",
        ),
        Case(
            "patch-resource-version-garbage",
            "PATCH",
            cm,
            400,
            _json({"metadata": {"resourceVersion": "soon"}}),
            "application/merge-patch+json",
        ),
        Case(
            "patch-dry-run",
            "PATCH",
            cm,
            200,
            _json({"data": {"dry": "run"}}),
            "application/merge-patch+json",
            params={"dryRun": "All"},
        ),
    ]


def _delete_family() -> list[Case]:
    cm = "/api/v1/namespaces/{ns}/configmaps/cm"
    return [
        Case("delete-preconditions-string", "DELETE", cm, 400, _json({"preconditions": "x"})),
        Case("delete-preconditions-uid-mismatch", "DELETE", cm, 409, _json({"preconditions": {"uid": "nope"}})),
        Case("delete-grace-string", "DELETE", cm, 400, _json({"gracePeriodSeconds": "soon"})),
        Case("delete-grace-overflow", "DELETE", cm, 400, _json({"gracePeriodSeconds": 2**70})),
        Case("delete-grace-query-word", "DELETE", cm, 400, params={"gracePeriodSeconds": "soon"}),
        Case("delete-grace-query-overflow", "DELETE", cm, 400, params={"gracePeriodSeconds": str(2**70)}),
        Case("delete-propagation-garbage", "DELETE", cm, 400, _json({"propagationPolicy": "Sideways"})),
        Case("delete-orphan-string", "DELETE", cm, 400, _json({"orphanDependents": "yes"})),
        Case(
            "delete-orphan-and-policy",
            "DELETE",
            cm,
            400,
            _json({"orphanDependents": True, "propagationPolicy": "Orphan"}),
        ),
        Case("delete-dry-run-body-garbage", "DELETE", cm, 400, _json({"dryRun": ["Maybe"]})),
        Case("delete-body-array", "DELETE", cm, 400, b"[]"),
        Case("delete-body-malformed", "DELETE", cm, 400, b"{"),
        Case("delete-dry-run-in-body", "DELETE", cm, 200, _json({"dryRun": ["All"]})),
        Case("delete-dry-run-in-query", "DELETE", cm, 200, params={"dryRun": "All"}),
        Case(
            "delete-pod-huge-grace-dry-run",
            "DELETE",
            "/api/v1/namespaces/{ns}/pods/bound",
            200,
            _json({"gracePeriodSeconds": 10**12, "dryRun": ["All"]}),
        ),
        Case(
            "delete-collection-bad-selector",
            "DELETE",
            "/api/v1/namespaces/{ns}/configmaps",
            400,
            params={"labelSelector": "((("},
        ),
        Case("delete-missing", "DELETE", "/api/v1/namespaces/{ns}/configmaps/nosuch", 404),
        Case("delete-subresource", "DELETE", "/apis/apps/v1/namespaces/{ns}/deployments/web/status", 405),
    ]


def _path_family() -> list[Case]:
    return [
        Case("unknown-group", "GET", "/apis/nosuch.example.com/v1/widgets", 404),
        Case("unknown-version", "GET", "/apis/apps/v9/deployments", 404),
        Case("unknown-resource", "GET", "/api/v1/widgets", 404),
        Case("cluster-scoped-under-namespace", "GET", "/api/v1/namespaces/{ns}/nodes", 404),
        Case("double-slash", "GET", "/api/v1/namespaces//configmaps", 404),
        Case("too-deep", "GET", "/api/v1/namespaces/{ns}/configmaps/cm/a/b/c", 404),
        Case("name-with-nul", "GET", "/api/v1/namespaces/{ns}/configmaps/a%00b", 404),
        Case("name-with-surrogate", "GET", "/api/v1/namespaces/{ns}/configmaps/a%ED%A0%80b", 404),
        Case(
            "put-with-surrogate-name", "PUT", "/api/v1/namespaces/{ns}/configmaps/a%ED%A0%80b", 404, _json(_configmap())
        ),
        Case("very-long-name", "GET", "/api/v1/namespaces/{ns}/configmaps/" + "a" * 5000, 404),
        Case("put-collection", "PUT", "/api/v1/namespaces/{ns}/configmaps", 405, _json(_configmap())),
        Case("post-object", "POST", "/api/v1/namespaces/{ns}/configmaps/cm", 405, _json(_configmap())),
        Case(
            "put-name-mismatch",
            "PUT",
            "/api/v1/namespaces/{ns}/configmaps/cm",
            400,
            _json({**_configmap(), "metadata": {"name": "other"}}),
        ),
        Case(
            "put-missing",
            "PUT",
            "/api/v1/namespaces/{ns}/configmaps/nosuch",
            404,
            _json({**_configmap(), "metadata": {"name": "nosuch"}}),
        ),
        Case(
            "put-stale",
            "PUT",
            "/api/v1/namespaces/{ns}/configmaps/cm",
            409,
            _json({**_configmap(), "metadata": {"name": "cm", "resourceVersion": "1"}}),
        ),
        Case(
            "create-in-missing-namespace", "POST", "/api/v1/namespaces/nosuch-ns/configmaps", 404, _json(_configmap())
        ),
        Case(
            "create-existing",
            "POST",
            "/api/v1/namespaces/{ns}/configmaps",
            409,
            _json({**_configmap(), "metadata": {"name": "cm"}}),
        ),
        Case("binding-list-verb", "GET", "/api/v1/namespaces/{ns}/bindings", 405),
        Case("componentstatus-create", "POST", "/api/v1/componentstatuses", 405, _json({"metadata": {"name": "x"}})),
        Case("method-options", "OPTIONS", "/api/v1/namespaces/{ns}/configmaps", 405),
        Case("method-head", "HEAD", "/api/v1/namespaces/{ns}/configmaps/cm", 405),
        Case("method-made-up", "FROBNICATE", "/api/v1/namespaces/{ns}/configmaps", 400),
        Case("discovery-unknown-group", "GET", "/apis/nosuch.example.com", 404),
        Case("openapi-unknown", "GET", "/openapi/v3/apis/nosuch/v1", 404),
        Case("not-an-api-path", "GET", "/nosuch", 404),
    ]


def _header_family() -> list[Case]:
    path = "/api/v1/namespaces/{ns}/configmaps"
    return [
        Case("accept-protobuf-only", "GET", path, 200, headers={"Accept": "application/vnd.kubernetes.protobuf"}),
        Case(
            "accept-protobuf-table",
            "GET",
            path,
            406,
            headers={"Accept": "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io"},
        ),
        Case("accept-html", "GET", path, 406, headers={"Accept": "text/html"}),
        Case(
            "accept-table-unknown-group",
            "GET",
            path,
            406,
            headers={"Accept": "application/json;as=Table;v=v1;g=example.com"},
        ),
        Case("accept-yaml", "GET", path, 200, headers={"Accept": "application/yaml"}),
        Case(
            "accept-partial-metadata",
            "GET",
            path,
            200,
            headers={"Accept": "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"},
        ),
        Case("accept-table", "GET", path, 200, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}),
        Case("openapi-v2-accept-html", "GET", "/openapi/v2", 406, headers={"Accept": "text/html"}),
    ]


def _apply_family() -> list[Case]:
    cm = "/api/v1/namespaces/{ns}/configmaps/cm"
    apply = "application/apply-patch+yaml"
    manager = {"fieldManager": "hostile"}
    applied = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: '2'}\n"
    return [
        Case("apply-without-field-manager", "PATCH", cm, 422, applied, apply),
        Case("apply-wrong-version", "PATCH", cm, 400, applied.replace(b"v1", b"v2"), apply, manager),
        Case("apply-without-api-version", "PATCH", cm, 400, b"kind: ConfigMap\ndata: {a: b}\n", apply, manager),
        Case("apply-name-mismatch", "PATCH", cm, 400, applied.replace(b"name: cm", b"name: other"), apply, manager),
        Case("apply-malformed-yaml", "PATCH", cm, 400, b"apiVersion: v1\nkind: [\n", apply, manager),
        Case("apply-a-list", "PATCH", cm, 400, b"- apiVersion: v1\n", apply, manager),
        Case("apply-wrong-type", "PATCH", cm, 400, applied.replace(b"{a: '2'}", b"5"), apply, manager),
        Case(
            "apply-unknown-field-strict",
            "PATCH",
            cm,
            400,
            applied + b"bogus: 1\n",
            apply,
            {**manager, "fieldValidation": "Strict"},
        ),
        Case("apply-alias-bomb", "PATCH", cm.replace("/cm", "/lol"), 400, BILLION_LAUGHS, apply, manager),
        Case("apply-force-not-a-bool", "PATCH", cm, 400, applied, apply, {**manager, "force": "maybe"}),
        Case(
            "force-on-a-merge-patch",
            "PATCH",
            cm,
            422,
            _json({"data": {"a": "3"}}),
            params={"force": "true"},
            content_type="application/merge-patch+json",
        ),
        Case("apply-on-binding", "PATCH", "/api/v1/namespaces/{ns}/pods/p/binding", 405, applied, apply, manager),
        Case("apply-conflicting-with-the-creator", "PATCH", cm, 409, applied, apply, manager),
        Case(
            "apply-dry-run-creates-nothing",
            "PATCH",
            "/api/v1/namespaces/{ns}/configmaps/cm-applied",
            201,
            applied.replace(b"name: cm", b"name: cm-applied"),
            apply,
            {**manager, "dryRun": "All"},
        ),
        Case("apply-sharing-a-value", "PATCH", cm, 200, applied.replace(b"'2'", b"'1'"), apply, manager, writes=True),
    ]


def cases() -> list[Case]:
    return (
        _body_family()
        + _type_family()
        + _parameter_family()
        + _subresource_family()
        + _patch_family()
        + _apply_family()
        + _delete_family()
        + _path_family()
        + _header_family()
    )
