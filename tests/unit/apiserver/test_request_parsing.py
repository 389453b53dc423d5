import pytest

from apiserver.errors import ApiError
from apiserver.request_info import parse_path
from apiserver.storage.watch_cache import CacheEvent, translate
from kubemini.api.kinds.printing import human_age


def test_parse_paths():
    info = parse_path("/api/v1/namespaces/default/pods/p1/status")
    assert (info.resource.kind, info.namespace, info.name, info.subresource) == ("Pod", "default", "p1", "status")
    info = parse_path("/api/v1/namespaces/ns1")
    assert (info.resource.kind, info.namespace, info.name) == ("Namespace", None, "ns1")
    info = parse_path("/api/v1/namespaces/ns1/finalize")
    assert (info.resource.kind, info.name, info.subresource) == ("Namespace", "ns1", "finalize")
    info = parse_path("/apis/apps/v1/namespaces/x/deployments/web/scale")
    assert (info.resource.kind, info.storage_key) == ("Deployment", "/registry/deployments/x/web")
    assert parse_path("/api/v1/nodes/n1").storage_key == "/registry/nodes/n1"
    assert parse_path("/api/v1/pods").namespace is None


@pytest.mark.parametrize(
    "path", ["/api/v1/pods/p/nosuch", "/apis/apps/v2/deployments", "/api/v1/namespaces/a/nodes", "/x"]
)
def test_unknown_paths_are_404(path):
    with pytest.raises(ApiError) as error:
        parse_path(path)
    assert error.value.code == 404


def test_watch_translation_by_selector_transitions():
    def matches(obj):
        return obj.get("blue", False)

    def event(kind, new, old):
        return CacheEvent(kind, "k", new, old, 5)

    assert translate(event("MODIFIED", {"blue": True}, {"blue": False}), matches) == "ADDED"
    assert translate(event("MODIFIED", {"blue": False}, {"blue": True}), matches) == "DELETED"
    assert translate(event("MODIFIED", {"blue": True}, {"blue": True}), matches) == "MODIFIED"
    assert translate(event("MODIFIED", {}, {}), matches) is None
    assert translate(event("DELETED", {"blue": True}, {"blue": True}), matches) == "DELETED"


@pytest.mark.parametrize(
    ("seconds", "text"), [(5, "5s"), (119, "119s"), (200, "3m20s"), (900, "15m"), (5 * 3600, "5h"), (3 * 86400, "3d")]
)
def test_human_age(seconds, text):
    assert human_age(seconds) == text
