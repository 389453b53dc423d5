"""The real kubectl on every kind: `get -o wide` prints upstream's columns, `api-resources` lists every
kind with upstream's verbs, `explain` walks the upstream schemas at depth in both output formats."""

from __future__ import annotations

import json
import re
import secrets

import pytest

from kubemini.api.registry import RESOURCES
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.minimal_objects import minimal

# Upstream kube-apiserver's table columns (pkg/printers/internalversion/printers.go), wide.
UPSTREAM_COLUMNS = {
    "Namespace": "Name Status Age",
    "Node": "Name Status Roles Age Version Internal-IP External-IP OS-Image Kernel-Version Container-Runtime",
    "Pod": "Name Ready Status Restarts Age IP Node Nominated_Node Readiness_Gates",
    "Service": "Name Type Cluster-IP External-IP Port(s) Age Selector",
    "Endpoints": "Name Endpoints Age",
    "ConfigMap": "Name Data Age",
    "Secret": "Name Type Data Age",
    "Event": "Last_Seen Type Reason Object Subobject Source Message First_Seen Count Name",
    "ServiceAccount": "Name Secrets Age",
    "ReplicationController": "Name Desired Current Ready Age Containers Images Selector",
    "PodTemplate": "Name Containers Images Pod_Labels",
    "ResourceQuota": "Name Age Request Limit",
    "LimitRange": "Name Created_At",
    "PersistentVolume": "Name Capacity Access_Modes Reclaim_Policy Status Claim StorageClass "
    "VolumeAttributesClass Reason Age VolumeMode",
    "PersistentVolumeClaim": "Name Status Volume Capacity Access_Modes StorageClass VolumeAttributesClass "
    "Age VolumeMode",
    "Deployment": "Name Ready Up-to-date Available Age Containers Images Selector",
    "ReplicaSet": "Name Desired Current Ready Age Containers Images Selector",
    "DaemonSet": "Name Desired Current Ready Up-to-date Available Node_Selector Age Containers Images Selector",
    "StatefulSet": "Name Ready Age Containers Images",
    "ControllerRevision": "Name Controller Revision Age",
    "Job": "Name Status Completions Duration Age Containers Images Selector",
    "CronJob": "Name Schedule Timezone Suspend Active Last_Schedule Age Containers Images Selector",
    "HorizontalPodAutoscaler": "Name Reference Targets MinPods MaxPods Replicas Age",
    "PodDisruptionBudget": "Name Min_Available Max_Unavailable Allowed_Disruptions Age",
    "Ingress": "Name Class Hosts Address Ports Age",
    "IngressClass": "Name Controller Parameters Age",
    "NetworkPolicy": "Name Pod-Selector Age",
    "EndpointSlice": "Name AddressType Ports Endpoints Age",
    "Role": "Name Created_At",
    "ClusterRole": "Name Created_At",
    "RoleBinding": "Name Role Age Users Groups ServiceAccounts",
    "ClusterRoleBinding": "Name Role Age Users Groups ServiceAccounts",
    "PriorityClass": "Name Value Global-Default Age PreemptionPolicy",
    "StorageClass": "Name Provisioner ReclaimPolicy VolumeBindingMode AllowVolumeExpansion Age",
    "CSIDriver": "Name AttachRequired PodInfoOnMount StorageCapacity TokenRequests RequiresRepublish Modes Age",
    "CSINode": "Name Drivers Age",
    "CSIStorageCapacity": "Name StorageClassName Capacity",
    "VolumeAttachment": "Name Attacher PV Node Attached Age",
    "CertificateSigningRequest": "Name Age SignerName Requestor RequestedDuration Condition",
    "RuntimeClass": "Name Handler Age",
    "APIService": "Name Service Available Age",
    "Lease": "Name Holder Age",
    "CustomResourceDefinition": "Name Created_At",
}
KINDS = [r for r in RESOURCES if not r.virtual and r.stored]


@pytest.fixture(scope="module")
def kubectl(apiserver, tmp_path_factory):
    client = Kubectl(write_kubeconfig(tmp_path_factory.mktemp("kubectl") / "kubeconfig", apiserver.url))
    client.namespace = f"tables-{secrets.token_hex(3)}"
    client.run("create", "namespace", client.namespace)
    return client


def _header(text: str) -> list[str]:
    """Column titles of kubectl's header line (titles are separated by two or more spaces)."""
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


@pytest.mark.parametrize("record", KINDS, ids=[f"{r.api_version}/{r.kind}" for r in KINDS])
def test_get_wide_prints_upstream_columns(kubectl, record):
    obj = minimal(record.api_version, record.kind, f"t-{secrets.token_hex(3)}")
    resource = f"{record.plural}.{record.version}.{record.group}" if record.group else record.plural
    name = obj["metadata"]["name"]
    kubectl.run("delete", resource, name, "--ignore-not-found", "-n", kubectl.namespace)
    kubectl.run("create", "-f", "-", "-n", kubectl.namespace, input_text=json.dumps(obj))
    printed = kubectl.run("get", resource, name, "-o", "wide", "-n", kubectl.namespace).stdout
    expected = [title.replace("_", " ").upper() for title in UPSTREAM_COLUMNS[record.kind].split()]
    assert _header(printed) == expected
    assert name in printed.splitlines()[1]


def test_api_resources_lists_every_kind_with_its_verbs(kubectl):
    rows = [line.split() for line in kubectl.run("api-resources", "-o", "wide").stdout.splitlines()[1:]]
    for record in (r for r in RESOURCES if r.stored):  # kubectl lists each group's preferred version only
        expected = {record.plural, record.api_version, record.kind, ",".join(sorted(record.verbs))}
        assert any(expected <= set(row) for row in rows), f"{record.plural} ({record.api_version}) is not listed right"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pods.spec.containers.livenessProbe.httpGet.port", "IntOrString"),
        ("deployments.spec.strategy.rollingUpdate.maxSurge", "IntOrString"),
        ("cronjobs.spec.jobTemplate.spec.template.spec.securityContext.seccompProfile.type", "RuntimeDefault - "),
        ("statefulsets.spec.volumeClaimTemplates.spec.resources.requests", "map[string]Quantity"),
        ("horizontalpodautoscalers.spec.behavior.scaleUp.policies", "HPAScalingPolicy"),
    ],
)
def test_explain_walks_upstream_schemas_at_depth(kubectl, path, expected):
    printed = kubectl.run("explain", path).stdout
    assert expected in printed
    assert "FIELD:" in printed and "DESCRIPTION:" in printed


def test_explain_recursive_and_openapi_v2_output(kubectl):
    recursive = kubectl.run("explain", "jobs.spec", "--recursive").stdout
    assert "podFailurePolicy" in recursive and "backoffLimitPerIndex" in recursive
    v2 = kubectl.run("explain", "services.spec.ports", "--output", "plaintext-openapiv2").stdout
    assert "RESOURCE: ports <[]Object>" in v2 and "targetPort" in v2


RARE_BUT_REAL = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: rare}
spec:
  selector: {matchLabels: {app: rare}}
  template:
    metadata: {labels: {app: rare}}
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
         labelSelector: {matchLabels: {app: rare}}, matchLabelKeys: [pod-template-hash]}
      securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: c
        image: kubemini/busybox:1.35
        IMAGE_FIELD
        resources: {requests: {cpu: 10m}, limits: {memory: 64Mi}}
        startupProbe: {exec: {command: ["true"]}, failureThreshold: 3}
        lifecycle: {preStop: {sleep: {seconds: 1}}}
"""


def test_validate_strict_rejects_a_nested_unknown_field_and_accepts_rare_real_ones(kubectl):
    typo = RARE_BUT_REAL.replace("IMAGE_FIELD", "imagee: busybox")
    result = kubectl.run("apply", "--validate=strict", "-n", kubectl.namespace, "-f", "-", input_text=typo, check=False)
    assert result.returncode != 0
    assert 'unknown field "spec.template.spec.containers[0].imagee"' in result.stderr
    real = RARE_BUT_REAL.replace("IMAGE_FIELD", "imagePullPolicy: IfNotPresent")
    applied = kubectl.run("apply", "--validate=strict", "-n", kubectl.namespace, "-f", "-", input_text=real)
    assert "deployment.apps/rare created" in applied.stdout
    stored = json.loads(kubectl.run("get", "deployment", "rare", "-n", kubectl.namespace, "-o", "json").stdout)
    assert stored["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
    assert stored["spec"]["template"]["spec"]["topologySpreadConstraints"][0]["matchLabelKeys"] == ["pod-template-hash"]
