import pytest

from apiserver.errors import ApiError
from apiserver.patching import apply_patch, patch_type


def test_patch_type_from_content_type():
    assert patch_type("application/strategic-merge-patch+json; charset=utf-8") == "strategic"
    with pytest.raises(ApiError) as error:
        patch_type("application/xml")
    assert error.value.code == 415


def test_merge_patch_replaces_lists_and_deletes_nulls():
    doc = {"a": {"b": 1, "c": 2}, "l": [1, 2]}
    assert apply_patch("merge", doc, {"a": {"b": None, "d": 3}, "l": [3]}) == {"a": {"c": 2, "d": 3}, "l": [3]}
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
    assert apply_patch("json", doc, ops) == {"a": [2, 3], "d": {"c": 2}, "first": 1}
    with pytest.raises(ApiError):
        apply_patch("json", doc, [{"op": "test", "path": "/a/0", "value": 99}])
    with pytest.raises(ApiError):
        apply_patch("json", doc, [{"op": "remove", "path": "/zzz"}])


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
    result = apply_patch("strategic", doc, patch)
    assert [c["name"] for c in result["spec"]["containers"]] == ["a", "c"]
    assert [p["containerPort"] for p in result["spec"]["containers"][0]["ports"]] == [80, 443]
    assert result["spec"]["containers"][0]["image"] == "a:1"
    assert [v["name"] for v in result["spec"]["volumes"]] == ["v1", "v2"]
    assert result["spec"]["tolerations"] == [{"key": "y"}], "lists without a merge key are replaced"
    assert result["metadata"]["finalizers"] == ["f1", "f2"]


def test_strategic_replace_and_retain_keys():
    doc = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "env": [{"name": "a"}]}}
    patch = {
        "spec": {
            "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
            "env": [{"$patch": "replace"}, {"name": "z"}],
        }
    }
    result = apply_patch("strategic", doc, patch)
    assert result["spec"]["strategy"] == {"type": "Recreate"}
    assert result["spec"]["env"] == [{"name": "z"}]
