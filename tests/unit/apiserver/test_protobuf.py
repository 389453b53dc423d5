"""Decoding Kubernetes protobuf request bodies into the dicts their JSON form would be.

Two sources of truth: fixtures captured from the real kubectl (`protobuf_fixtures/capture.py`:
NAME.bin is what kubectl POSTs, NAME.json what the same command prints with
`--dry-run=client -o json`), and hand-built bytes whose field numbers are copied from upstream
`generated.proto`, for the fields no kubectl generator sets.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from apiserver.decoding.reading import decode_bytes
from apiserver.errors import ApiError
from apiserver.protobuf import PROTOBUF_MEDIA_TYPE, ProtobufError, UnsupportedKind, decode_protobuf_object

FIXTURES = Path(__file__).parent / "protobuf_fixtures"
FIXTURE_NAMES = sorted(path.stem for path in FIXTURES.glob("*.json"))


# --- a tiny protobuf encoder, independent of the decoder's tables -------------------------------


def varint(value: int) -> bytes:
    value %= 2**64  # negative numbers go out as 64-bit two's complement, as Go writes them
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def num(field: int, value: int) -> bytes:
    return varint(field << 3) + varint(value)


def raw(field: int, payload: bytes) -> bytes:
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def text(field: int, value: str) -> bytes:
    return raw(field, value.encode())


def msg(field: int, *parts: bytes) -> bytes:
    return raw(field, b"".join(parts))


def entry(field: int, key: str, value: bytes | str) -> bytes:
    value = value.encode() if isinstance(value, str) else value
    return msg(field, text(1, key), raw(2, value))


def quantity(field: int, value: str) -> bytes:
    return msg(field, text(1, value))


def body(api_version: str, kind: str, *parts: bytes) -> bytes:
    type_meta = msg(1, text(1, api_version), text(2, kind))
    return b"k8s\x00" + type_meta + raw(2, b"".join(parts)) + text(3, "") + text(4, "")


# --- real kubectl bytes ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_kubectl_bytes_decode_to_kubectl_json(name):
    expected = json.loads((FIXTURES / f"{name}.json").read_text())
    assert decode_protobuf_object((FIXTURES / f"{name}.bin").read_bytes()) == expected


def test_fixtures_cover_every_generator_in_the_brief():
    assert {
        "namespace",
        "configmap",
        "secret_generic",
        "serviceaccount",
        "deployment",
        "deployment_replicas_port",
        "service_clusterip",
        "service_nodeport",
    } <= set(FIXTURE_NAMES)


def test_explicit_zero_replicas_survives_because_replicas_is_a_pointer():
    decoded = decode_protobuf_object((FIXTURES / "deployment_replicas_zero.bin").read_bytes())
    assert decoded["spec"]["replicas"] == 0


def test_secret_bytes_come_out_base64_like_json():
    decoded = decode_protobuf_object((FIXTURES / "secret_generic.bin").read_bytes())
    assert decoded["data"] == {"a": "Yg=="}


def test_kind_without_schema_is_unsupported():
    with pytest.raises(UnsupportedKind):
        decode_protobuf_object(body("example.com/v1", "Widget", text(1, "x")))


def test_every_kind_kubectl_generators_send_is_readable_now():
    job = decode_protobuf_object((FIXTURES / "job_unsupported.bin").read_bytes())
    assert job["kind"] == "Job" and job["spec"]["template"]["spec"]["containers"][0]["name"]


# --- hand-built bytes for the rest of the schema ---------------------------------------------------

OBJECT_META = msg(
    1,
    text(1, "web-1"),
    text(2, "web-"),
    text(3, "prod"),
    text(5, ""),  # empty uid: omitempty drops it
    num(7, 0),  # zero generation: dropped
    msg(8, num(1, 1_700_000_000), num(2, 5)),
    num(10, 0),  # deletionGracePeriodSeconds is a pointer: 0 is kept
    entry(11, "app", "web"),
    entry(11, "tier", "front"),
    entry(12, "note", "hi"),
    msg(13, text(5, "apps/v1"), text(1, "ReplicaSet"), text(3, "web"), text(4, "u-1"), num(6, 1), num(7, 0)),
    text(14, "example.com/guard"),
    msg(17, text(1, "kubectl"), text(2, "Update"), text(3, "v1"), text(6, "FieldsV1"), msg(7, text(1, '{"f:a":{}}'))),
    num(99, 7),  # unknown field numbers are skipped
)

EXPECTED_META = {
    "name": "web-1",
    "generateName": "web-",
    "namespace": "prod",
    "creationTimestamp": "2023-11-14T22:13:20Z",
    "deletionGracePeriodSeconds": 0,
    "labels": {"app": "web", "tier": "front"},
    "annotations": {"note": "hi"},
    "ownerReferences": [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "web",
            "uid": "u-1",
            "controller": True,
            "blockOwnerDeletion": False,
        }
    ],
    "finalizers": ["example.com/guard"],
    "managedFields": [
        {
            "manager": "kubectl",
            "operation": "Update",
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:a": {}},
        }
    ],
}

CONTAINER = msg(
    2,
    text(1, "web"),
    text(2, "kubemini/busybox:1.35"),
    text(3, "httpd"),
    text(4, "-f"),
    text(4, "-p"),
    text(5, "/www"),
    msg(6, text(1, "http"), num(2, 0), num(3, 8080), text(4, "TCP"), text(5, "")),
    msg(7, text(1, "GREETING"), text(2, "hello")),
    msg(7, text(1, "POD"), msg(3, msg(1, text(1, "v1"), text(2, "metadata.name")))),
    msg(7, text(1, "PW"), msg(3, msg(4, msg(1, text(1, "creds")), text(2, "pw")))),
    msg(8, msg(1, text(1, "cpu"), quantity(2, "500m")), msg(2, text(1, "memory"), quantity(2, "64Mi"))),
    msg(9, text(1, "data"), num(2, 1), text(3, "/data")),
    msg(10, msg(1, msg(2, text(1, "/healthz"), msg(2, num(1, 0), num(2, 8080)))), num(2, 3), num(4, 5)),
    msg(11, msg(1, msg(3, msg(1, num(1, 1), text(3, "http")))), num(3, 1), num(6, 3)),
    msg(22, msg(1, msg(1, text(1, "true"))), num(7, -1)),
    text(13, "/dev/termination-log"),
    text(20, "File"),
    text(14, "IfNotPresent"),
    msg(15, num(4, 1000), num(5, 1), msg(1, text(2, "ALL"))),
    num(16, 0),  # stdin false: omitempty drops it
    msg(99, text(1, "from a newer kubectl")),
)

EXPECTED_CONTAINER = {
    "name": "web",
    "image": "kubemini/busybox:1.35",
    "command": ["httpd"],
    "args": ["-f", "-p"],
    "workingDir": "/www",
    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
    "env": [
        {"name": "GREETING", "value": "hello"},
        {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
        {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "pw"}}},
    ],
    "resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "64Mi"}},
    "volumeMounts": [{"name": "data", "readOnly": True, "mountPath": "/data"}],
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 3, "periodSeconds": 5},
    "readinessProbe": {"tcpSocket": {"port": "http"}, "timeoutSeconds": 1, "failureThreshold": 3},
    "startupProbe": {"exec": {"command": ["true"]}, "terminationGracePeriodSeconds": -1},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "imagePullPolicy": "IfNotPresent",
    "securityContext": {"runAsUser": 1000, "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
}

POD_SPEC = msg(
    2,
    msg(1, text(1, "data"), msg(2, msg(2, text(1, "")))),
    msg(1, text(1, "conf"), msg(2, msg(19, msg(1, text(1, "app-config")), num(3, 0o644)))),
    CONTAINER,
    msg(20, text(1, "init"), text(2, "kubemini/busybox:1.35")),
    text(3, "Always"),
    num(4, 30),
    text(6, "ClusterFirst"),
    entry(7, "disk", "ssd"),
    text(8, "runner"),
    text(10, "node-1"),
    num(11, 1),
    msg(14, raw(4, varint(1) + varint(2)), num(4, 3)),  # supplementalGroups: packed, then one unpacked
    text(19, "default-scheduler"),
    msg(22, text(1, "dedicated"), text(2, "Equal"), text(3, "gpu"), text(4, "NoExecute"), num(5, 60)),
    msg(18, msg(1, msg(1, msg(1, msg(1, text(1, "zone"), text(2, "In"), text(3, "a"), text(3, "b")))))),
)

EXPECTED_POD_SPEC = {
    "volumes": [
        {"name": "data", "emptyDir": {}},
        {"name": "conf", "configMap": {"name": "app-config", "defaultMode": 420}},
    ],
    "containers": [EXPECTED_CONTAINER],
    "initContainers": [{"name": "init", "image": "kubemini/busybox:1.35"}],
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "nodeSelector": {"disk": "ssd"},
    "serviceAccountName": "runner",
    "nodeName": "node-1",
    "hostNetwork": True,
    "securityContext": {"supplementalGroups": [1, 2, 3]},
    "schedulerName": "default-scheduler",
    "tolerations": [
        {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoExecute", "tolerationSeconds": 60}
    ],
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}]
            }
        }
    },
}


def test_pod_with_metadata_containers_probes_and_scheduling():
    decoded = decode_protobuf_object(body("v1", "Pod", OBJECT_META, POD_SPEC, msg(3, text(1, "Pending"))))
    assert decoded == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": EXPECTED_META,
        "spec": EXPECTED_POD_SPEC,
        "status": {"phase": "Pending"},
    }


def test_deployment_strategy_and_pointer_fields():
    spec = msg(
        2,
        num(1, 2),
        msg(2, msg(2, text(1, "app"), text(2, "In"), text(3, "web"))),
        msg(3, msg(1, entry(11, "app", "web")), POD_SPEC),
        msg(4, text(1, "RollingUpdate"), msg(2, msg(1, num(1, 1), text(3, "25%")), msg(2, num(2, 1)))),
        num(5, 4),
        num(6, 0),
        num(7, 1),
        num(9, 600),
    )
    decoded = decode_protobuf_object(body("apps/v1", "Deployment", msg(1, text(1, "web")), spec, msg(3)))
    assert decoded["spec"] == {
        "replicas": 2,
        "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": EXPECTED_POD_SPEC},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
        "minReadySeconds": 4,
        "revisionHistoryLimit": 0,
        "paused": True,
        "progressDeadlineSeconds": 600,
    }
    assert decoded["status"] == {}


def test_replica_set_status_replicas_is_always_shown():
    decoded = decode_protobuf_object(
        body("apps/v1", "ReplicaSet", msg(1, text(1, "rs")), msg(2, num(1, 1)), msg(3, num(1, 0), num(3, 0)))
    )
    assert decoded["spec"] == {"replicas": 1}
    assert decoded["status"] == {"replicas": 0}


def test_namespace_spec_finalizers_and_status_phase():
    decoded = decode_protobuf_object(
        body("v1", "Namespace", msg(1, text(1, "ns")), msg(2, text(1, "kubernetes")), msg(3, text(1, "Active")))
    )
    assert decoded == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "ns"},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def test_secret_string_data_type_and_immutable_false():
    decoded = decode_protobuf_object(
        body(
            "v1",
            "Secret",
            msg(1, text(1, "s")),
            num(5, 0),
            entry(2, "bin", b"\x00\xff"),
            entry(4, "plain", "text"),
            text(3, "Opaque"),
        )
    )
    assert decoded == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "immutable": False,
        "data": {"bin": "AP8="},
        "stringData": {"plain": "text"},
        "type": "Opaque",
    }


def test_service_spec_fields():
    spec = msg(
        2,
        msg(1, text(1, "web"), text(2, "TCP"), num(3, 80), msg(4, num(1, 1), text(3, "http")), num(5, 30080)),
        entry(2, "app", "web"),
        text(3, "10.96.0.10"),
        text(4, "NodePort"),
        text(7, "ClientIP"),
        text(11, "Local"),
        msg(14, msg(1, num(1, 10800))),
        text(17, "SingleStack"),
    )
    decoded = decode_protobuf_object(body("v1", "Service", msg(1, text(1, "web")), spec, msg(3, msg(1))))
    assert decoded["spec"] == {
        "ports": [{"name": "web", "protocol": "TCP", "port": 80, "targetPort": "http", "nodePort": 30080}],
        "selector": {"app": "web"},
        "clusterIP": "10.96.0.10",
        "type": "NodePort",
        "sessionAffinity": "ClientIP",
        "externalTrafficPolicy": "Local",
        "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
        "ipFamilyPolicy": "SingleStack",
    }
    assert decoded["status"] == {"loadBalancer": {}}


def test_delete_options_under_any_group_version():
    decoded = decode_protobuf_object(body("apps/v1", "DeleteOptions", num(1, 0), text(4, "Foreground")))
    assert decoded == {
        "apiVersion": "apps/v1",
        "kind": "DeleteOptions",
        "gracePeriodSeconds": 0,
        "propagationPolicy": "Foreground",
    }


def test_map_entry_without_value_is_the_zero_value():
    decoded = decode_protobuf_object(body("v1", "ConfigMap", msg(1, text(1, "c")), msg(2, text(1, "empty"))))
    assert decoded["data"] == {"empty": ""}


# --- malformed bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"{}",
        b"k8s\x00",  # no TypeMeta, so no kind
        b"k8s\x00" + b"\x0a\x05\x0a\x02v1",  # TypeMeta claims more bytes than it has
        b"k8s\x00" + b"\x08" + b"\xff" * 11,  # overlong varint
        b"k8s\x00" + b"\x0b",  # wire type 3 (group)
        b"k8s\x00" + num(1, 5),  # TypeMeta as a varint
        body("v1", "ConfigMap", num(1, 3)),  # metadata as a varint
        body("v1", "ConfigMap", msg(1, num(1, 3))),  # metadata.name as a varint
        body("v1", "ConfigMap", msg(1, msg(8, num(1, 2**62)))),  # timestamp out of range
        body("v1", "ConfigMap", msg(1, msg(17, msg(7, text(1, "{not json"))))),
        b"k8s\x00" + msg(1, text(1, "v1"), text(2, "ConfigMap")) + text(3, "gzip"),
    ],
)
def test_malformed_bodies_raise_protobuf_error(payload):
    with pytest.raises(ProtobufError):
        decode_protobuf_object(payload)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_truncated_and_corrupted_fixtures_never_raise_anything_else(name):
    data = (FIXTURES / f"{name}.bin").read_bytes()
    rng = random.Random(name)
    variants = [data[:cut] for cut in range(len(data))]
    for _ in range(200):
        corrupted = bytearray(data)
        corrupted[rng.randrange(4, len(data))] = rng.randrange(256)
        variants.append(bytes(corrupted))
    for variant in variants:
        try:
            decode_protobuf_object(variant)
        except (ProtobufError, UnsupportedKind):
            pass


# --- wiring into the request body reader -----------------------------------------------------------


def test_decode_document_reads_protobuf():
    raw = (FIXTURES / "configmap.bin").read_bytes()
    assert decode_bytes(raw, PROTOBUF_MEDIA_TYPE).document["data"] == {"a": "b"}


@pytest.mark.parametrize(
    ("payload", "content_type", "code"),
    [
        (b"k8s\x00garbage", PROTOBUF_MEDIA_TYPE, 400),
        (b"", PROTOBUF_MEDIA_TYPE, 400),
        (body("example.com/v1", "Widget", text(1, "x")), PROTOBUF_MEDIA_TYPE, 415),
        (b"\xa1", "application/cbor", 415),
        (b"\x0a\x00", "application/x-protobuf", 415),
    ],
)
def test_decode_document_errors(payload, content_type, code):
    with pytest.raises(ApiError) as caught:
        decode_bytes(payload, content_type)
    assert caught.value.code == code
