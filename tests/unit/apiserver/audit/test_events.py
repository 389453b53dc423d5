"""Audit events: upstream's shape, bodies by level, and credentials never in an event."""

from __future__ import annotations

from apiserver.audit.events import RequestFacts, effective_level, make_event, micro_time
from apiserver.authentication.user import UserInfo
from apiserver.authorization.attributes import RequestAttributes

ALICE = UserInfo("alice", uid="u1", groups=("dev",))
ADMIN = UserInfo("admin", groups=("system:masters",))


def facts(res: str, *, verb="create", group="", name="", sub="", impersonated=None) -> RequestFacts:
    attrs = RequestAttributes(
        user=ALICE, verb=verb, resource_request=True, namespace="default", api_group=group, api_version="v1",
        resource=res, subresource=sub, name=name,
    )  # fmt: skip
    return RequestFacts(
        audit_id="a-1",
        request_uri=f"/api/v1/namespaces/default/{res}",
        user=ALICE,
        impersonated=impersonated,
        source_ips=["127.0.0.1"],
        user_agent="kubectl/v1.35.0",
        attrs=attrs,
        received=0.0,
    )


def configmap() -> dict:
    return {"kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default", "managedFields": [{}]}, "data": {}}


def test_a_complete_event_has_upstreams_fields():
    event = make_event(
        facts("configmaps", impersonated=ADMIN),
        level="Metadata",
        stage="ResponseComplete",
        now=1.5,
        code=201,
        request_obj=configmap(),
        annotations={"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""},
    )
    assert event == {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": "a-1",
        "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/default/configmaps",
        "verb": "create",
        "user": {"username": "alice", "uid": "u1", "groups": ["dev"]},
        "impersonatedUser": {"username": "admin", "groups": ["system:masters"]},
        "sourceIPs": ["127.0.0.1"],
        "userAgent": "kubectl/v1.35.0",
        "objectRef": {"resource": "configmaps", "namespace": "default", "name": "c", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 201},
        "requestReceivedTimestamp": "1970-01-01T00:00:00.000000Z",
        "stageTimestamp": "1970-01-01T00:00:01.500000Z",
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""},
    }


def test_bodies_follow_the_level():
    deployment = {"kind": "Deployment", "metadata": {"name": "d", "managedFields": [{}]}, "spec": {}}
    request = make_event(
        facts("deployments", group="apps"), level="Request", stage="ResponseComplete", now=0, code=201,
        request_obj=deployment, response_obj=deployment,
    )  # fmt: skip
    assert "requestObject" in request and "responseObject" not in request
    assert request["objectRef"]["apiGroup"] == "apps"
    full = make_event(
        facts("deployments", group="apps"), level="RequestResponse", stage="ResponseComplete", now=0, code=201,
        request_obj=deployment, response_obj=deployment, omit_managed_fields=True,
    )  # fmt: skip
    assert full["responseObject"]["metadata"] == {"name": "d"} and deployment["metadata"]["managedFields"] == [{}]


def test_a_secret_at_request_response_has_no_data_in_the_event():
    secret = {"kind": "Secret", "metadata": {"name": "s"}, "data": {"password": "c2VjcmV0LW1hcmtlcg=="}}
    assert effective_level("RequestResponse", facts("secrets").attrs) == "Metadata"
    for res, sub in (("secrets", ""), ("configmaps", ""), ("serviceaccounts", "token")):
        event = make_event(
            facts(res, sub=sub), level="RequestResponse", stage="ResponseComplete", now=0, code=201,
            request_obj=secret, response_obj=secret,
        )  # fmt: skip
        assert "c2VjcmV0LW1hcmtlcg==" not in str(event), res
        assert "requestObject" not in event and "responseObject" not in event
    review = facts("tokenreviews", group="authentication.k8s.io")
    assert effective_level("Request", review.attrs) == "Metadata"
    assert effective_level("RequestResponse", facts("pods").attrs) == "RequestResponse"


def test_an_error_is_described_except_about_credentials():
    status = {"kind": "Status", "status": "Failure", "message": 'value "hunter2" is invalid', "reason": "Invalid"}
    event = make_event(facts("pods"), level="Metadata", stage="ResponseComplete", now=0, code=422, response_obj=status)
    assert event["responseStatus"] == {
        "metadata": {},
        "code": 422,
        "status": "Failure",
        "message": 'value "hunter2" is invalid',
        "reason": "Invalid",
    }
    hidden = make_event(
        facts("secrets"), level="Metadata", stage="ResponseComplete", now=0, code=422, response_obj=status
    )
    assert hidden["responseStatus"] == {"metadata": {}, "code": 422, "status": "Failure", "reason": "Invalid"}


def test_micro_time_is_rfc3339_with_microseconds():
    assert micro_time(1767225600.000123) == "2026-01-01T00:00:00.000123Z"
