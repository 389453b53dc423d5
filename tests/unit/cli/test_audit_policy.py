"""The audit policy `kubemini up` writes: valid for the apiserver, quiet about noise, loud about writes."""

from __future__ import annotations

from apiserver.audit.policy import load_policy
from apiserver.authentication.user import UserInfo
from apiserver.authorization.attributes import RequestAttributes
from kubemini.cli.audit_policy import write_default_audit_policy

USER = UserInfo("alice", groups=("system:authenticated",))


def attrs(verb: str, resource: str = "", *, group: str = "", path: str = "") -> RequestAttributes:
    if path:
        return RequestAttributes(user=USER, verb=verb, resource_request=False, path=path)
    return RequestAttributes(user=USER, verb=verb, resource_request=True, namespace="default", api_group=group,
                             api_version="v1", resource=resource)  # fmt: skip


def test_the_default_policy_parses_and_levels_as_documented(tmp_path):
    path = tmp_path / "pki" / "audit-policy.yaml"
    assert write_default_audit_policy(path) and not write_default_audit_policy(path)
    policy = load_policy(path)
    level = lambda a: policy.level_and_stages(a)[0]  # noqa: E731
    assert level(attrs("get", path="/readyz")) == "None"
    assert level(attrs("get", path="/apis/apps/v1")) == "None"
    assert level(attrs("update", "leases", group="coordination.k8s.io")) == "None"
    assert level(attrs("create", "secrets")) == "Metadata"
    assert level(attrs("list", "pods")) == "Metadata"
    assert level(attrs("create", "deployments", group="apps")) == "Request"
    assert policy.level_and_stages(attrs("delete", "pods"))[1] == {"RequestReceived"}
