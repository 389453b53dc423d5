"""The audit layer's reading of a request: users from the authentication gate, source IPs, bodies."""

from __future__ import annotations

from apiserver.audit.recording import IMPERSONATOR_KEY, USER_KEY, parse_body, source_ips, users_of
from apiserver.authentication.user import APISERVER_USER, UserInfo

ALICE = UserInfo("alice", groups=("dev",))
ADMIN = UserInfo("admin", groups=("system:masters",))


def test_the_policy_sees_who_asked_and_the_event_whom_they_impersonated():
    assert users_of({USER_KEY: ALICE}) == (ALICE, None)
    assert users_of({USER_KEY: ADMIN, IMPERSONATOR_KEY: ALICE}) == (ALICE, ADMIN)
    assert users_of({}) == (APISERVER_USER, None), "no gate: the server's own user, as ctx.user"
    assert users_of({}, 401)[0].name == "", "refused credentials: no user"


def test_source_ips_list_forwarded_addresses_then_the_peer():
    headers = {b"x-forwarded-for": b"10.0.0.1, 10.0.0.2", b"x-real-ip": b"10.0.0.3"}
    assert source_ips({"client": ("127.0.0.1", 5555)}, headers) == ["10.0.0.1", "10.0.0.2", "10.0.0.3", "127.0.0.1"]
    assert source_ips({"client": ("127.0.0.1", 5555)}, {}) == ["127.0.0.1"]


def test_bodies_are_read_as_json_or_yaml_never_protobuf():
    assert parse_body(b'{"a": 1}', "application/json") == {"a": 1}
    assert parse_body(b"a: 1\n", "application/apply-patch+yaml") == {"a": 1}
    assert parse_body(b"\x6b\x38\x73\x00", "application/vnd.kubernetes.protobuf") is None
    assert parse_body(b"{not json", "application/json") is None
