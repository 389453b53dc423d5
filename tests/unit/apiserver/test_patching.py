import pytest

from apiserver.errors import ApiError
from apiserver.patching import apply_patch, patch_type
from kubemini.api.registry import by_kind

PODS = by_kind("Pod")
DEPLOYMENTS = by_kind("Deployment")


def test_patch_type_from_content_type():
    assert patch_type("application/strategic-merge-patch+json; charset=utf-8") == "strategic"
    with pytest.raises(ApiError) as error:
        patch_type("application/xml")
    assert error.value.code == 415


def test_merge_patch_replaces_lists_and_deletes_nulls():
    doc = {"a": {"b": 1, "c": 2}, "l": [1, 2]}
    assert apply_patch("merge", doc, {"a": {"b": None, "d": 3}, "l": [3]}, record=None) == {
        "a": {"c": 2, "d": 3},
        "l": [3],
    }
    assert doc == {"a": {"b": 1, "c": 2}, "l": [1, 2]}, "the input must not be modified"


def test_json_patch_operations():
    doc = {"a": [1, 2], "b": {"c": 1}}
    ops = [
        {"op": "add", "path": "/a/-", "value": 3},
        {"op": "replace", "path": "/b/c", "value": 2},
        {"op": "copy", "from": "/b", "path": "/d"},
        {"op": "move", "from": "/a/0", "path": "/first"},
        {"op": "remove", "path": "/b"},
        {"op": "test", "path": "/first", "value": 1},
    ]
    assert apply_patch("json", doc, ops, record=None) == {"a": [2, 3], "d": {"c": 2}, "first": 1}
    with pytest.raises(ApiError):
        apply_patch("json", doc, [{"op": "test", "path": "/a/0", "value": 99}], record=None)
    with pytest.raises(ApiError):
        apply_patch("json", doc, [{"op": "remove", "path": "/zzz"}], record=None)


def test_strategic_merge_by_key_and_directives():
    doc = {
        "spec": {
            "containers": [
                {"name": "a", "image": "a:1", "ports": [{"containerPort": 80, "name": "http"}]},
                {"name": "b", "image": "b:1"},
            ],
            "volumes": [{"name": "v1"}],
            "tolerations": [{"key": "x"}],
        },
        "metadata": {"finalizers": ["f1"]},
    }
    patch = {
        "spec": {
            "containers": [
                {"name": "a", "ports": [{"containerPort": 443, "name": "https"}]},
                {"name": "b", "$patch": "delete"},
                {"name": "c", "image": "c:1"},
            ],
            "volumes": [{"name": "v2"}],
            "tolerations": [{"key": "y"}],
            "$setElementOrder/containers": [{"name": "a"}, {"name": "c"}],
        },
        "metadata": {"finalizers": ["f2"]},
    }
    result = apply_patch("strategic", doc, patch, record=PODS)
    assert [c["name"] for c in result["spec"]["containers"]] == ["a", "c"]
    assert [p["containerPort"] for p in result["spec"]["containers"][0]["ports"]] == [80, 443]
    assert result["spec"]["containers"][0]["image"] == "a:1"
    assert [v["name"] for v in result["spec"]["volumes"]] == ["v1", "v2"]
    assert result["spec"]["tolerations"] == [{"key": "y"}], "lists without a merge key are replaced"
    assert result["metadata"]["finalizers"] == ["f1", "f2"]


def test_strategic_replace_and_retain_keys():
    template = {"spec": {"containers": [{"name": "c", "env": [{"name": "a"}]}]}}
    doc = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "template": template}}
    patch = {
        "spec": {
            "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
            "template": {"spec": {"containers": [{"name": "c", "env": [{"$patch": "replace"}, {"name": "z"}]}]}},
        }
    }
    result = apply_patch("strategic", doc, patch, record=DEPLOYMENTS)
    assert result["spec"]["strategy"] == {"type": "Recreate"}
    assert result["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "z"}]


def test_strategic_merge_takes_list_semantics_from_the_schema():
    doc = {"spec": {"ports": [{"port": 80, "targetPort": 8080}], "selector": {"app": "a"}}}
    patch = {"spec": {"ports": [{"port": 443}], "selector": {"tier": "web"}}}
    result = apply_patch("strategic", doc, patch, record=by_kind("Service"))
    assert [p["port"] for p in result["spec"]["ports"]] == [80, 443], "service ports merge on `port`"
    assert result["spec"]["selector"] == {"app": "a", "tier": "web"}


def test_unknown_patch_directive_is_422():
    with pytest.raises(ApiError) as caught:
        apply_patch("strategic", {"spec": {}}, {"spec": {"$patch": "garbage"}}, record=PODS)
    assert caught.value.code == 422


def test_json_patch_copy_amplification_is_refused():
    """40 copies of a growing value would double it 40 times: refused once 3 MiB have been copied."""
    doubling = [{"op": "add", "path": "/d", "value": {"x": "y" * 1000}}]
    doubling += [{"op": "copy", "from": "/d", "path": f"/d/k{i}"} for i in range(40)]
    with pytest.raises(ApiError) as caught:
        apply_patch("json", {"a": 1}, doubling, record=None)
    assert caught.value.code == 413


def test_json_patch_path_must_be_a_string():
    with pytest.raises(ApiError) as caught:
        apply_patch("json", {"a": 1}, [{"op": "remove", "path": 7}], record=None)
    assert caught.value.code == 400
