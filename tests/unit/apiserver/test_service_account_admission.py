"""ServiceAccount admission's pod changes: the kube-api-access volume, and when it is left out."""

from __future__ import annotations

from apiserver.admission.service_account import MOUNT_PATH, automounts, with_api_access


def spec(**extra) -> dict:
    return {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "i"}], **extra}


def test_every_container_mounts_the_api_access_volume():
    pod = spec()
    with_api_access(pod, "x2k9q")
    [volume] = pod["volumes"]
    assert volume["name"] == "kube-api-access-x2k9q"
    sources = volume["projected"]["sources"]
    assert sources[0] == {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
    assert sources[1]["configMap"]["name"] == "kube-root-ca.crt"
    assert sources[2]["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"] == "metadata.namespace"
    mount = {"name": "kube-api-access-x2k9q", "readOnly": True, "mountPath": MOUNT_PATH}
    for container in pod["containers"] + pod["initContainers"]:
        assert container["volumeMounts"] == [mount]


def test_a_pod_that_mounts_something_there_already_is_left_alone():
    pod = spec()
    pod["containers"][0]["volumeMounts"] = [{"name": "mine", "mountPath": MOUNT_PATH}]
    with_api_access(pod, "abcde")
    assert pod["volumes"] == []


def test_the_pod_decides_before_the_account():
    assert automounts({}, None) is True
    assert automounts({}, {"automountServiceAccountToken": False}) is False
    assert automounts({"automountServiceAccountToken": True}, {"automountServiceAccountToken": False}) is True
    assert automounts({"automountServiceAccountToken": False}, None) is False
