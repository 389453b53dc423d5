"""Pod Security Standards checks, per profile and check, with pod-security-admission's wording."""

from __future__ import annotations

import pytest

from apiserver.admission.pod_security.checks import describe, failures
from apiserver.admission.pod_security.policy import LevelVersion, Policy, policy_of

RESTRICTED_OK = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
        {
            "name": "c",
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        }
    ],
}


def with_container(**security) -> dict:
    return {"containers": [{"name": "c", "securityContext": security}]}


BASELINE_CASES = [
    (with_container(privileged=True), "privileged", 'container "c" must not set securityContext.privileged=true'),
    ({"hostNetwork": True, "hostPID": True, "containers": []}, "host namespaces", "hostNetwork=true, hostPID=true"),
    (
        {"volumes": [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}], "containers": []},
        "hostPath volumes",
        'volume "docker"',
    ),
    (
        {"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}]}]},
        "hostPort",
        'container "a" uses hostPort 8080',
    ),
    (
        with_container(capabilities={"add": ["NET_ADMIN", "CHOWN", "SYS_ADMIN"]}),
        "non-default capabilities",
        'container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add',
    ),
    (
        with_container(windowsOptions={"hostProcess": True}),
        "hostProcess",
        'container "c" must not set securityContext.windowsOptions.hostProcess=true',
    ),
    (
        with_container(procMount="Unmasked"),
        "procMount",
        'container "c" must not set securityContext.procMount to "Unmasked"',
    ),
    (
        with_container(seLinuxOptions={"type": "spc_t", "user": "root"}),
        "seLinuxOptions",
        'container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set',
    ),
    (
        {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": []},
        "seccompProfile",
        'pod must not set securityContext.seccompProfile.type to "Unconfined"',
    ),
    (
        {"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}, "containers": []},
        "forbidden sysctls",
        "kernel.msgmax",
    ),
    (
        with_container(appArmorProfile={"type": "Unconfined"}),
        "forbidden AppArmor profile",
        'container "c" must not set AppArmor profile type to "Unconfined"',
    ),
    (
        {"containers": [{"name": "c", "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}]},
        "probe or lifecycle host",
        'container "c" uses probe or lifecycle host "10.0.0.1"',
    ),
]


@pytest.mark.parametrize(("spec", "reason", "detail"), BASELINE_CASES)
def test_baseline_checks(spec, reason, detail):
    assert failures("baseline", {}, spec) == [(reason, detail)]
    assert (reason, detail) in failures("restricted", {}, spec) or reason in (
        "non-default capabilities",
        "seccompProfile",
    )
    assert failures("privileged", {}, spec) == []


def test_apparmor_annotations_are_checked_too():
    meta = {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}}
    [(reason, detail)] = failures("baseline", meta, {"containers": [{"name": "c"}]})
    assert reason == "forbidden AppArmor profile"
    assert detail == (
        "annotation must not set AppArmor profile type to "
        '"container.apparmor.security.beta.kubernetes.io/c="unconfined""'
    )


def test_a_plain_pod_passes_baseline_and_fails_restricted_as_upstream_words_it():
    spec = {"containers": [{"name": "nginx"}]}
    assert failures("baseline", {}, spec) == []
    assert describe(failures("restricted", {}, spec)) == (
        'allowPrivilegeEscalation != false (container "nginx" must set '
        "securityContext.allowPrivilegeEscalation=false), "
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" '
        'or "Localhost")'
    )


def test_a_restricted_pod_passes():
    assert failures("restricted", {}, RESTRICTED_OK) == []


RESTRICTED_CASES = [
    (
        {"volumes": [{"name": "n", "nfs": {"server": "s", "path": "/"}}]},
        "restricted volume types",
        'volume "n" uses restricted volume type "nfs"',
    ),
    (
        {
            "containers": [
                {
                    **RESTRICTED_OK["containers"][0],
                    "securityContext": {**RESTRICTED_OK["containers"][0]["securityContext"], "runAsUser": 0},
                }
            ]
        },
        "runAsUser=0",
        'container "c" must not set runAsUser=0',
    ),
    (
        {"securityContext": {**RESTRICTED_OK["securityContext"], "runAsNonRoot": False}},
        "runAsNonRoot != true",
        "pod must not set securityContext.runAsNonRoot=false",
    ),
    (
        {
            "containers": [
                {
                    "name": "c",
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "NET_RAW"]},
                    },
                }
            ]
        },
        "unrestricted capabilities",
        'container "c" must not include "NET_RAW" in securityContext.capabilities.add',
    ),
]


@pytest.mark.parametrize(("change", "reason", "detail"), RESTRICTED_CASES)
def test_restricted_checks(change, reason, detail):
    spec = {**RESTRICTED_OK, **change}
    assert (reason, detail) in failures("restricted", {}, spec)


def test_labels_over_defaults_and_bad_values():
    defaults = Policy(enforce=LevelVersion("baseline"))
    policy, errors = policy_of({"pod-security.kubernetes.io/warn": "restricted"}, defaults)
    assert (str(policy.enforce), str(policy.warn), str(policy.audit)) == (
        "baseline:latest",
        "restricted:latest",
        "privileged:latest",
    )
    assert not errors
    policy, errors = policy_of(
        {"pod-security.kubernetes.io/enforce": "strict", "pod-security.kubernetes.io/enforce-version": "v1.30"},
        defaults,
    )
    assert str(policy.enforce) == "baseline:v1.30"
    assert [c["field"] for c in errors.causes()] == ["metadata.labels[pod-security.kubernetes.io/enforce]"]
