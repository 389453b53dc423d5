"""sync_pod against the fake runtime and a recording API: the containers it makes and the writes it sends."""

from __future__ import annotations

import asyncio
import time

import pytest

from kubelet.crash_backoff import RestartBackoff
from kubelet.pod_containers import PodContainers
from kubelet.pod_sync import PodWork, sync_pod
from kubelet.pod_workers import DONE
from kubelet.probe_manager import ProbeManager
from kubelet.runtime import EXITED, RUNNING
from kubelet.runtime import labels as label_keys
from kubelet.runtime.fake import FakeRuntime
from kubemini.client.clock import FakeClock
from tests.unit.kubelet.fakes import NODE, FakeApi, make_context, make_pod


class Harness:
    def __init__(self, pod: dict, *, runtime: FakeRuntime | None = None):
        self.api = FakeApi()
        self.runtime = runtime or FakeRuntime()
        self.ctx = make_context(api=self.api, runtime=self.runtime)
        self.clock = FakeClock(start=time.time())  # wall time: exits are wall-clock stamps
        self.ctx.crash_backoff = RestartBackoff(clock=self.clock)
        self.probes = ProbeManager(self.ctx, on_change=lambda uid: None)
        self.work = PodWork(pod["metadata"]["uid"], pod=pod)

    async def sync(self) -> float | None:
        result = await sync_pod(self.ctx, self.work, probes=self.probes)
        await self.ctx.drain_events()
        return result

    async def view(self) -> PodContainers:
        return PodContainers.from_records(await self.runtime.list_containers(node=NODE, pod_uid=self.work.uid))

    def reasons(self) -> list[str]:
        return self.ctx.recorder.reasons()  # type: ignore[attr-defined]

    @property
    def status(self) -> dict:
        return self.api.status_patches()[-1]


async def test_new_pod_gets_a_sandbox_and_a_running_container_labelled_for_recovery():
    pod = make_pod()
    h = Harness(pod)
    await h.sync()
    view = await h.view()
    assert view.sandbox_running and view.latest("app").state == RUNNING
    labels = view.latest("app").labels
    assert labels[label_keys.MANAGED] == "true" and labels[label_keys.NODE] == NODE
    assert labels[label_keys.POD_UID] == h.work.uid and labels[label_keys.RESTART_COUNT] == "0"
    assert labels[label_keys.POD_NAME] == "web" and labels[label_keys.POD_NAMESPACE] == "default"
    assert h.status["phase"] == "Running" and h.status["podIP"] == view.pod_ip
    assert h.reasons() == ["Pulled", "Created", "Started"]


async def test_sync_is_idempotent():
    h = Harness(make_pod())
    await h.sync()
    containers, writes = dict(h.runtime.containers), len(h.api.patches)
    await h.sync()
    assert h.runtime.containers == containers
    assert len(h.api.patches) == writes, "an unchanged status must not be written again"


async def test_crash_restarts_at_once_then_backs_off():
    h = Harness(make_pod())
    await h.sync()
    h.runtime.exit((await h.view()).latest("app").id, 1)
    assert await h.sync() is None
    view = await h.view()
    assert view.latest("app").restart_count == 1 and view.latest("app").running
    assert view.previous("app").state == EXITED  # kept for `kubectl logs --previous`
    h.runtime.exit(view.latest("app").id, 1)
    wake = await h.sync()
    assert wake == pytest.approx(10, abs=1.5)
    app = h.status["containerStatuses"][0]
    assert app["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert "back-off 10s restarting failed container=app" in app["state"]["waiting"]["message"]
    assert app["restartCount"] == 1 and app["lastState"]["terminated"]["exitCode"] == 1
    assert h.status["phase"] == "Running"
    assert "BackOff" in h.reasons()
    h.clock.advance(11)
    await h.sync()
    view = await h.view()
    assert view.latest("app").restart_count == 2 and view.latest("app").running
    assert len(view.instances("app")) == 2, "only the current and the previous instance are kept"


@pytest.mark.parametrize(("policy", "code", "phase"), [("Never", 1, "Failed"), ("OnFailure", 0, "Succeeded")])
async def test_finished_pods_are_not_restarted_and_lose_their_sandbox(policy, code, phase):
    h = Harness(make_pod(restart_policy=policy))
    await h.sync()
    h.runtime.exit((await h.view()).latest("app").id, code)
    await h.sync()
    view = await h.view()
    assert len(view.instances("app")) == 1 and not view.sandbox_running
    assert h.status["phase"] == phase


async def test_init_containers_run_in_order_before_app_containers():
    pod = make_pod(init_containers=[{"name": "first", "image": "i"}, {"name": "second", "image": "i"}])
    h = Harness(pod)
    await h.sync()
    view = await h.view()
    assert view.latest("first").running and view.latest("second") is None and view.latest("app") is None
    assert view.latest("first").labels[label_keys.INIT] == "true"
    assert h.status["phase"] == "Pending"
    h.runtime.exit(view.latest("first").id, 0)
    await h.sync()
    view = await h.view()
    assert view.latest("second").running and view.latest("app") is None
    h.runtime.exit(view.latest("second").id, 0)
    await h.sync()
    assert (await h.view()).latest("app").running
    assert h.status["phase"] == "Running"


async def test_deletion_stops_removes_and_deletes_with_grace_zero_for_this_uid():
    pod = make_pod()
    h = Harness(pod)
    await h.sync()
    h.work.pod = {**pod, "metadata": {**pod["metadata"], "deletionTimestamp": "2026-01-01T00:00:00Z"}}
    await h.sync()
    assert h.runtime.containers == {}
    assert h.api.deletes == [
        {"kind": "Pod", "name": "web", "namespace": "default", "grace": 0, "pre": {"uid": h.work.uid}}
    ]
    assert "Killing" in h.reasons()
    h.work.pod = None  # the DELETED watch event
    assert await h.sync() == DONE


async def test_orphaned_containers_are_removed_without_api_writes():
    runtime = FakeRuntime()
    owner = Harness(make_pod(), runtime=runtime)
    await owner.sync()
    orphan = Harness(make_pod(), runtime=runtime)
    orphan.work = PodWork(owner.work.uid)  # no pod object: deleted while the kubelet was away
    assert await orphan.sync() == DONE
    assert runtime.containers == {} and orphan.api.deletes == [] and orphan.api.patches == []


async def test_a_restarted_kubelet_adopts_running_containers():
    pod = make_pod()
    runtime = FakeRuntime()
    first = Harness(pod, runtime=runtime)
    await first.sync()
    first.runtime.exit((await first.view()).latest("app").id, 1)
    await first.sync()
    before = dict(runtime.containers)
    second = Harness(pod, runtime=runtime)  # new process: no memory but the runtime's labels
    await second.sync()
    assert runtime.containers == before
    assert second.status["containerStatuses"][0]["restartCount"] == 1
    assert second.reasons() == []


async def test_liveness_failure_kills_and_restarts_the_container():
    h = Harness(make_pod())
    await h.sync()
    first = (await h.view()).latest("app")
    h.probes._liveness_failures[first.id] = "failed liveness probe"
    await h.sync()
    await h.sync()
    view = await h.view()
    assert view.latest("app").restart_count == 1 and view.latest("app").running
    assert ("Normal", "Killing", "Container app failed liveness probe, will be restarted") in h.ctx.recorder.events


async def test_new_image_restarts_the_container_with_it():
    pod = make_pod()
    h = Harness(pod)
    await h.sync()
    changed = {**pod, "spec": {**pod["spec"], "containers": [{"name": "app", "image": "kubemini/busybox:1.35-v2"}]}}
    h.work.pod = changed
    await h.sync()
    await h.sync()
    latest = (await h.view()).latest("app")
    assert latest.running and latest.image == "kubemini/busybox:1.35-v2" and latest.restart_count == 1


class OfflineRuntime(FakeRuntime):
    async def image_present(self, image: str) -> bool:
        return image != "missing:1"

    async def pull_image(self, image: str) -> None:
        from kubelet.runtime import ImageMissing

        raise ImageMissing("registry unreachable")


async def test_missing_image_is_err_image_pull_then_image_pull_back_off():
    h = Harness(make_pod(containers=[{"name": "app", "image": "missing:1"}]), runtime=OfflineRuntime())
    wake = await h.sync()
    assert h.status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ErrImagePull"
    assert wake is not None and wake <= 1
    await h.sync()
    assert h.status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ImagePullBackOff"
    assert h.status["phase"] == "Pending"


async def test_always_pull_failure_uses_the_local_copy_with_a_warning():
    containers = [{"name": "app", "image": "kubemini/busybox:latest", "imagePullPolicy": "Always"}]
    h = Harness(make_pod(containers=containers), runtime=OfflineRuntime())
    await h.sync()
    assert (await h.view()).latest("app").running
    assert any(t == "Warning" and "using the image present on the node" in m for t, _, m in h.ctx.recorder.events)


async def test_a_dead_sandbox_is_rebuilt_and_its_containers_restarted():
    h = Harness(make_pod())
    await h.sync()
    view = await h.view()
    h.runtime.exit(view.sandbox.id, 0)
    await h.sync()
    view = await h.view()
    assert view.sandbox_running and view.sandbox.restart_count == 1
    assert view.latest("app").running and view.latest("app").restart_count == 1
    assert "SandboxChanged" in h.reasons()


class FailingStartRuntime(FakeRuntime):
    """`docker start` of image "broken" fails: the container stays created, with Docker's error."""

    async def start_container(self, container_id: str) -> None:
        from dataclasses import replace

        from kubelet.runtime import StartContainerError

        record = self.containers[container_id]
        if record.image == "broken":
            self.containers[container_id] = replace(record, error="exec: /nonexistent: no such file")
            raise StartContainerError("exec: /nonexistent: no such file")
        await super().start_container(container_id)


async def test_a_failed_start_is_retried_under_back_off_with_a_growing_restart_count():
    h = Harness(make_pod(containers=[{"name": "app", "image": "broken"}]), runtime=FailingStartRuntime())
    await h.sync()
    assert h.status["containerStatuses"][0]["state"]["waiting"]["reason"] == "RunContainerError"
    await h.sync()  # the first retry is immediate
    assert (await h.view()).latest("app").restart_count == 1
    wake = await h.sync()
    app = h.status["containerStatuses"][0]
    assert app["state"]["waiting"]["reason"] == "CrashLoopBackOff" and wake == pytest.approx(10, abs=1.5)
    assert app["lastState"]["terminated"]["reason"] == "StartError"
    h.clock.advance(11)
    await h.sync()
    assert (await h.view()).latest("app").restart_count == 2


async def test_active_deadline_fails_the_pod_and_stops_its_containers():
    pod = make_pod(activeDeadlineSeconds=5)
    pod["status"]["startTime"] = "2000-01-01T00:00:00Z"
    h = Harness(pod)
    await h.sync()
    assert h.status["phase"] == "Failed" and h.status["reason"] == "DeadlineExceeded"
    assert h.status["message"] == "Pod was active on the node longer than the specified deadline"
    assert not (await h.view()).running_records()


async def test_a_forbidden_sysctl_fails_the_pod_without_starting_it():
    h = Harness(make_pod(securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}))
    await h.sync()
    assert h.status["phase"] == "Failed" and h.status["reason"] == "SysctlForbidden"
    assert h.runtime.containers == {}


async def test_missing_config_map_waits_in_container_creating_with_failed_mount(tmp_path):
    pod = make_pod(volumes=[{"name": "cfg", "configMap": {"name": "later"}}])
    h = Harness(pod)
    h.ctx = make_context(api=h.api, runtime=h.runtime, root_dir=str(tmp_path))
    wake = await h.sync()
    assert wake == pytest.approx(2.0) and h.runtime.containers == {}
    assert h.status["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert ("Warning", "FailedMount", 'MountVolume.SetUp failed for volume "cfg" : configmap "later" not found') in (
        h.ctx.recorder.events  # type: ignore[attr-defined]
    )
    h.api.objects[("ConfigMap", "default", "later")] = {"data": {"k": "v"}}
    await h.sync()
    assert (await h.view()).latest("app").running


class SlowHookRuntime(FakeRuntime):
    async def exec_in_container(self, container_id, command, *, timeout_seconds):
        await asyncio.sleep(3600)


async def test_a_slow_post_start_hook_never_delays_another_pods_start():
    runtime = SlowHookRuntime()
    hook = {"postStart": {"exec": {"command": ["sleep", "3600"]}}}
    slow = Harness(make_pod("slow", containers=[{"name": "app", "image": "i", "lifecycle": hook}]), runtime=runtime)
    fast = Harness(make_pod("fast"), runtime=runtime)
    fast.ctx = slow.ctx  # one node: the same start slots
    stuck = asyncio.create_task(slow.sync())
    await asyncio.sleep(0.05)
    await asyncio.wait_for(fast.sync(), 2)
    assert (await fast.view()).latest("app").running
    stuck.cancel()


class GatedSandboxRuntime(FakeRuntime):
    """A sandbox start that has begun sets `sandbox_starting`; it finishes only once `mounted` is set."""

    def __init__(self):
        super().__init__()
        self.sandbox_starting = asyncio.Event()
        self.mounted = asyncio.Event()

    async def start_container(self, container_id: str) -> None:
        if self.containers[container_id].is_sandbox:
            self.sandbox_starting.set()
            await self.mounted.wait()
        await super().start_container(container_id)


async def test_a_new_pods_sandbox_starts_while_its_volumes_are_set_up(tmp_path):
    runtime = GatedSandboxRuntime()
    h = Harness(make_pod(volumes=[{"name": "scratch", "emptyDir": {}}]), runtime=runtime)
    h.ctx = make_context(api=h.api, runtime=runtime, root_dir=str(tmp_path))
    set_up = h.ctx.volumes.set_up

    async def set_up_after_the_sandbox_started(pod):
        await runtime.sandbox_starting.wait()  # never set if the sandbox waited for the volumes
        volumes = await set_up(pod)
        runtime.mounted.set()
        return volumes

    h.ctx.volumes.set_up = set_up_after_the_sandbox_started
    await asyncio.wait_for(h.sync(), 30)
    assert (await h.view()).latest("app").running
    assert h.status["phase"] == "Running"


async def test_a_pod_deleted_during_its_sync_does_not_fail_that_sync(tmp_path):
    h = Harness(make_pod(volumes=[{"name": "scratch", "emptyDir": {}}]))
    h.ctx = make_context(api=h.api, runtime=h.runtime, root_dir=str(tmp_path))
    await h.sync()
    set_up = h.ctx.volumes.set_up

    async def set_up_while_the_informer_sees_the_delete(pod):
        h.work.pod = None  # what the informer's DELETED event does meanwhile
        return await set_up(pod)

    h.ctx.volumes.set_up = set_up_while_the_informer_sees_the_delete
    await h.sync()  # a resync (volumes refreshed first) carries on with the pod it started with
    assert await h.sync() == DONE  # and the next one finishes the deleted pod
    assert h.runtime.containers == {}
