"""Impersonation headers → the permissions they need and the user the request continues as."""

from __future__ import annotations

from apiserver.authentication import impersonation
from apiserver.authentication.user import UserInfo

ALICE = UserInfo("alice", groups=("system:authenticated",))


def _scope(*headers: tuple[str, str]) -> dict:
    return {"headers": [(name.lower().encode(), value.encode()) for name, value in headers]}


def test_no_headers_means_no_impersonation():
    assert impersonation.requested(_scope(("Accept", "application/json"))) is None


def test_user_groups_and_extra_each_need_impersonate():
    wanted = impersonation.requested(
        _scope(
            ("Impersonate-User", "bob"),
            ("Impersonate-Group", "devs"),
            ("Impersonate-Group", "ops"),
            ("Impersonate-Extra-Scopes", "view"),
        )
    )
    assert wanted == ("bob", ["devs", "ops"], None, {"scopes": ["view"]})

    checks = impersonation.checks(ALICE, *wanted)

    assert [(c.verb, c.api_group, c.resource, c.subresource, c.name) for c in checks] == [
        ("impersonate", "", "users", "", "bob"),
        ("impersonate", "", "groups", "", "devs"),
        ("impersonate", "", "groups", "", "ops"),
        ("impersonate", "authentication.k8s.io", "userextras", "scopes", "view"),
    ]
    assert all(c.user == ALICE for c in checks)
    user = impersonation.impersonated_user(*wanted)
    assert user.name == "bob"
    assert user.groups == ("devs", "ops", "system:authenticated")
    assert user.extra_dict() == {"scopes": ["view"]}


def test_a_service_account_is_checked_in_its_namespace_and_gets_its_groups():
    checks = impersonation.checks(ALICE, "system:serviceaccount:dev:builder", [], None, {})

    assert [(c.resource, c.namespace, c.name) for c in checks] == [("serviceaccounts", "dev", "builder")]
    user = impersonation.impersonated_user("system:serviceaccount:dev:builder", [], None, {})
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated")
    assert user.service_account == ("dev", "builder")
