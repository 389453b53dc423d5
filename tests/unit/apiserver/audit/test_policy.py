"""Audit policy: first matching rule wins, upstream's matching of users, groups, verbs, resources, URLs."""

from __future__ import annotations

import pytest

from apiserver.audit.policy import AuditPolicyError, parse_policy
from apiserver.authentication.user import UserInfo
from apiserver.authorization.attributes import RequestAttributes

ALICE = UserInfo("alice", groups=("dev", "system:authenticated"))
KUBELET = UserInfo("system:node:n1", groups=("system:nodes",))

POLICY = b"""
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: ["system:node:n1"]
    verbs: [get, watch]
  - level: None
    nonResourceURLs: ["/healthz*", /version]
  - level: Metadata
    resources: [{group: "", resources: [secrets, configmaps]}]
  - level: Request
    resources: [{group: apps, resources: ["*/scale"]}]
  - level: RequestResponse
    namespaces: [prod]
    resources: [{group: "", resources: ["pods/*"], resourceNames: [web]}]
  - level: Request
    userGroups: [dev]
    omitStages: [ResponseStarted]
  - level: Metadata
"""


def resource(user, verb, res, *, group="", namespace="default", name="", sub=""):
    return RequestAttributes(
        user=user, verb=verb, resource_request=True, namespace=namespace, api_group=group, api_version="v1",
        resource=res, subresource=sub, name=name,
    )  # fmt: skip


def path(user, url):
    return RequestAttributes(user=user, verb="get", resource_request=False, path=url)


@pytest.mark.parametrize(
    ("attrs", "level"),
    [
        (resource(KUBELET, "get", "pods"), "None"),
        (resource(KUBELET, "update", "pods"), "Metadata"),  # the verb does not match the first rule
        (path(ALICE, "/healthz/ready"), "None"),
        (path(ALICE, "/version"), "None"),
        (path(ALICE, "/versions"), "Request"),  # no wildcard: exact only; then the dev group rule
        (resource(ALICE, "create", "secrets"), "Metadata"),
        (resource(ALICE, "update", "deployments", group="apps", sub="scale"), "Request"),
        (resource(KUBELET, "update", "deployments", group="apps", sub="status"), "Metadata"),
        (resource(KUBELET, "get", "pods", namespace="prod", name="web", sub="log"), "None"),
        (resource(KUBELET, "patch", "pods", namespace="prod", name="web", sub="status"), "RequestResponse"),
        (resource(KUBELET, "patch", "pods", namespace="prod", name="db", sub="status"), "Metadata"),
        (resource(KUBELET, "patch", "pods", namespace="dev", name="web", sub="status"), "Metadata"),
        # As upstream, pods/* covers pods itself too.
        (resource(KUBELET, "patch", "pods", namespace="prod", name="web"), "RequestResponse"),
    ],
)
def test_the_first_matching_rule_decides(attrs, level):
    assert parse_policy(POLICY).level_and_stages(attrs)[0] == level


def test_omitted_stages_are_the_union_of_policy_and_rule():
    policy = parse_policy(POLICY)
    assert policy.level_and_stages(path(ALICE, "/x"))[1] == {"RequestReceived", "ResponseStarted"}
    assert policy.level_and_stages(resource(KUBELET, "list", "nodes"))[1] == {"RequestReceived"}


def test_no_rule_matching_is_level_none():
    policy = parse_policy(b"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata, verbs: [delete]}]\n")
    assert policy.level_and_stages(resource(ALICE, "get", "pods"))[0] == "None"
    assert policy.level_and_stages(resource(ALICE, "delete", "pods"))[0] == "Metadata"


HEAD = b"apiVersion: audit.k8s.io/v1\nkind: Policy\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"rules: [", "not valid YAML"),
        (b"apiVersion: audit.k8s.io/v1beta2\nkind: Policy\nrules: [{level: None}]\n", "apiVersion: Invalid value"),
        (b"apiVersion: audit.k8s.io/v1\nkind: Pol\n", "kind: Invalid value"),
        (HEAD, "rules: Required value"),
        (HEAD + b"rules: [{verbs: [get]}]", "rules[0].level: Required value"),
        (HEAD + b"rules: [{level: Everything}]", 'rules[0].level: Unsupported value: "Everything"'),
        (HEAD + b"rules: [{level: None}, {level: None, omitStages: [Done]}]", "rules[1].omitStages[0]: Unsupported"),
        (HEAD + b"omitStages: [Start]\nrules: [{level: None}]", 'omitStages[0]: Unsupported value: "Start"'),
        (HEAD + b"rules: [{level: None, nonResourceURLs: [/x], namespaces: [a]}]", "cannot apply to both"),
        (HEAD + b"rules: [{level: None, nonResourceURLs: [healthz]}]", "must begin with a '/'"),
        (HEAD + b"rules: [{level: None, nonResourceURLs: ['/a*/b']}]", "must be the final character"),
        (HEAD + b"rules: [{level: None, resources: [{resourceNames: [a]}]}]", "requires at least one resource"),
        (HEAD + b"rules: [{level: None, resources: [{resources: ['po*']}]}]", "illegal usage of wildcard"),
        (HEAD + b"rules: [{level: None, user: [bob]}]", 'rules[0]: Invalid value: unknown field "user"'),
        (HEAD + b"rules: [{level: None, verbs: get}]", "rules[0].verbs: Invalid value: must be a list"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_problem(text, message):
    with pytest.raises(AuditPolicyError) as caught:
        parse_policy(text)
    assert message in str(caught.value)
