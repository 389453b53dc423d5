"""Volume files and mounts: the atomic writer, API volume contents, hostPath checks, container mounts."""

from __future__ import annotations

import base64
import os

import pytest

from kubelet.referenced_objects import ReferencedObjects
from kubelet.volumes import PodVolumes, VolumeError
from kubelet.volumes.atomic_writing import DATA_DIR, File, PayloadError, write_atomically
from kubelet.volumes.host_paths import check_host_path
from kubelet.volumes.manager import VolumeManager
from kubelet.volumes.mounts import prepare_container_mounts
from kubelet.volumes.projections import volume_files
from tests.unit.kubelet.fakes import FakeApi, make_pod


def test_atomic_writer_swaps_a_timestamped_directory_and_prunes(tmp_path):
    target = str(tmp_path / "vol")
    assert write_atomically(target, {"a": File(b"1"), "dir/b": File(b"2", 0o600)})
    first = os.readlink(os.path.join(target, DATA_DIR))
    assert first.startswith("..") and open(os.path.join(target, "dir/b")).read() == "2"
    assert oct(os.stat(os.path.join(target, "dir/b")).st_mode & 0o777) == "0o600"
    assert not write_atomically(target, {"a": File(b"1"), "dir/b": File(b"2", 0o600)}), "unchanged: nothing written"
    assert write_atomically(target, {"a": File(b"new")})
    assert os.readlink(os.path.join(target, DATA_DIR)) != first
    assert sorted(e for e in os.listdir(target) if not e.startswith("..")) == ["a"]
    assert not os.path.exists(os.path.join(target, first)), "the old generation is removed"
    assert open(os.path.join(target, "a")).read() == "new"


@pytest.mark.parametrize("path", ["/etc/passwd", "../escape", "a/../../b", "..data/x", ""])
def test_atomic_writer_refuses_paths_that_escape(tmp_path, path):
    with pytest.raises(PayloadError):
        write_atomically(str(tmp_path / "vol"), {path: File(b"x")})


API = FakeApi(
    {
        ("ConfigMap", "default", "cfg"): {"data": {"a": "1", "b": "2"}, "binaryData": {"bin": "AAE="}},
        ("Secret", "default", "sec"): {"data": {"pw": base64.b64encode(b"hunter2").decode()}},
    }
)


class FakeTokens:
    async def token(self, pod: dict, projection: dict) -> str:
        return f"jwt-for-{pod['metadata']['name']}-{projection.get('expirationSeconds', 3600)}"


async def files_of(volume: dict, pod: dict | None = None) -> dict:
    pod = pod or make_pod()
    objects = ReferencedObjects(API, "default", FakeTokens())
    files = await volume_files(pod, volume, objects=objects, node_allocatable={})
    return {path: (file.content, oct(file.mode)) for path, file in (files or {}).items()}


async def test_config_map_items_modes_and_binary_data():
    assert await files_of({"configMap": {"name": "cfg"}}) == {
        "a": (b"1", "0o644"), "b": (b"2", "0o644"), "bin": (b"\x00\x01", "0o644")
    }  # fmt: skip
    listed = [{"key": "a", "path": "x/a"}, {"key": "b", "path": "b", "mode": 0o600}]
    items = {"configMap": {"name": "cfg", "defaultMode": 0o400, "items": listed}}
    assert await files_of(items) == {"x/a": (b"1", "0o400"), "b": (b"2", "0o600")}


async def test_missing_objects_and_keys_read_like_kubernetes():
    with pytest.raises(VolumeError, match='configmap "nope" not found'):
        await files_of({"configMap": {"name": "nope"}})
    assert await files_of({"secret": {"secretName": "nope", "optional": True}}) == {}
    with pytest.raises(VolumeError, match="configmap references non-existent config key: zz"):
        await files_of({"configMap": {"name": "cfg", "items": [{"key": "zz", "path": "z"}]}})


async def test_projected_volume_unites_its_sources():
    pod = make_pod()
    volume = {"projected": {"defaultMode": 0o440, "sources": [
        {"secret": {"name": "sec"}},
        {"configMap": {"name": "cfg", "items": [{"key": "a", "path": "a"}]}},
        {"downwardAPI": {"items": [{"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}}]}},
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
    ]}}  # fmt: skip
    assert await files_of(volume, pod) == {
        "pw": (b"hunter2", "0o440"),
        "a": (b"1", "0o440"),
        "ns": (b"default", "0o440"),
        "token": (f"jwt-for-{pod['metadata']['name']}-3607".encode(), "0o440"),
    }


@pytest.mark.parametrize(
    ("kind", "make", "error"),
    [
        ("Directory", lambda p: p.mkdir(), None),
        ("Directory", lambda p: p.write_text(""), "is not a directory"),
        ("File", lambda p: p.write_text(""), None),
        ("File", lambda p: None, "is not a file"),
        ("Socket", lambda p: p.write_text(""), "is not a socket file"),
        ("DirectoryOrCreate", lambda p: None, None),
        ("FileOrCreate", lambda p: None, None),
        ("", lambda p: None, None),
    ],
)
def test_host_path_types(tmp_path, kind, make, error):
    path = tmp_path / "target"
    make(path)
    if error:
        with pytest.raises(VolumeError, match=f"hostPath type check failed: {path} {error}"):
            check_host_path(str(path), kind)
    else:
        check_host_path(str(path), kind)
    if kind.endswith("OrCreate"):
        assert path.is_dir() if kind.startswith("Directory") else path.is_file()


async def test_manager_sets_up_empty_dirs_and_api_volumes_read_only(tmp_path):
    pod = make_pod(volumes=[{"name": "scratch", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}}])
    manager = VolumeManager(API, root_dir=str(tmp_path))  # type: ignore[arg-type]
    volumes = await manager.set_up(pod)
    assert set(volumes.paths) == {"scratch", "cfg"} and volumes.read_only == {"cfg"}
    assert oct(os.stat(volumes.paths["scratch"]).st_mode & 0o777) == "0o777"
    missing = make_pod(volumes=[{"name": "gone", "configMap": {"name": "nope"}}])
    with pytest.raises(VolumeError, match='MountVolume.SetUp failed for volume "gone" : configmap "nope" not found'):
        await manager.set_up(missing)
    await manager.tear_down(pod["metadata"]["uid"])
    assert not os.path.exists(volumes.paths["scratch"])


def test_container_mounts_with_sub_paths(tmp_path):
    data = tmp_path / "data"
    write_atomically(str(tmp_path / "cfg"), {"app.conf": File(b"x")})
    volumes = PodVolumes(paths={"data": str(data), "cfg": str(tmp_path / "cfg")}, read_only={"cfg"})
    data.mkdir()
    container = {"name": "app", "volumeMounts": [
        {"name": "data", "mountPath": "/data", "readOnly": True},
        {"name": "data", "mountPath": "/mine", "subPathExpr": "$(POD)/logs"},
        {"name": "cfg", "mountPath": "/etc/app.conf", "subPath": "app.conf"},
    ]}  # fmt: skip
    mounts = prepare_container_mounts(container, volumes, env={"POD": "web-1"})
    assert [(m.target, m.read_only) for m in mounts] == [("/data", True), ("/mine", False), ("/etc/app.conf", True)]
    assert mounts[1].source == str(data / "web-1" / "logs") and os.path.isdir(mounts[1].source)
    assert mounts[2].source.startswith(str(tmp_path / "cfg" / "..")), "the file itself, not the symlink"
    with pytest.raises(VolumeError, match="subPath"):
        prepare_container_mounts({"name": "a", "volumeMounts": [{"name": "data", "mountPath": "/x",
                                                                 "subPath": "../up"}]}, volumes, env={})  # fmt: skip


async def test_an_empty_dir_over_its_size_limit_evicts_the_pod(tmp_path):
    pod = make_pod(volumes=[{"name": "scratch", "emptyDir": {"sizeLimit": "1Ki"}}])
    manager = VolumeManager(API, root_dir=str(tmp_path))  # type: ignore[arg-type]
    volumes = await manager.set_up(pod)
    assert volumes.eviction is None
    (tmp_path / volumes.paths["scratch"] / "big").write_bytes(b"x" * 2048)
    manager._checked.clear()  # the check runs at most every few seconds; make it due now
    evicted = await manager.set_up(pod)
    assert evicted.eviction == 'Usage of EmptyDir volume "scratch" exceeds the limit "1Ki".'


async def test_a_claim_mounts_the_path_of_its_bound_volume(tmp_path):
    api = FakeApi(
        {
            ("PersistentVolumeClaim", "default", "data"): {
                "spec": {"volumeName": "pv-1"},
                "status": {"phase": "Bound"},
            },
            ("PersistentVolume", "", "pv-1"): {"spec": {"hostPath": {"path": str(tmp_path / "pv-1")}}},
            ("PersistentVolumeClaim", "default", "pending"): {"spec": {}, "status": {"phase": "Pending"}},
        }
    )
    manager = VolumeManager(api, root_dir=str(tmp_path / "root"))  # type: ignore[arg-type]
    pod = make_pod(volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}])
    assert (await manager.set_up(pod)).paths["data"] == str(tmp_path / "pv-1") and (tmp_path / "pv-1").is_dir()
    unbound = make_pod(volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "pending"}}])
    with pytest.raises(VolumeError, match='persistentvolumeclaim "pending" is not bound'):
        await manager.set_up(unbound)
