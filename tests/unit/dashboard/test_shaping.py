"""Objects ──► rows: the columns the pages draw."""

from dashboard.shaping.events import event_row
from dashboard.shaping.network import endpointslice_row, ingress_row, service_row
from dashboard.shaping.nodes import node_row, node_usage
from dashboard.shaping.pods import pod_detail, pod_row
from dashboard.shaping.workloads import cronjob_row, daemonset_row, deployment_row, job_row, statefulset_row


def meta(name="web", namespace="ns", **extra):
    return {"name": name, "namespace": namespace, "creationTimestamp": "2026-01-01T00:00:00Z", **extra}


def crashing_pod():
    return {
        "metadata": meta("crasher", labels={"app": "x"}),
        "spec": {
            "nodeName": "n1",
            "containers": [
                {"name": "a", "image": "busybox", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                {"name": "b", "image": "busybox", "resources": {"requests": {"cpu": "1"}}},
            ],
        },
        "status": {
            "phase": "Running",
            "podIP": "10.0.0.5",
            "containerStatuses": [
                {
                    "name": "a",
                    "ready": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}},
                },
                {
                    "name": "b",
                    "ready": False,
                    "restartCount": 4,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 3}},
                },
            ],
            "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
        },
    }


def test_a_crash_looping_pod_is_red_with_its_restarts_and_requests():
    row = pod_row(crashing_pod())
    assert row["key"] == "ns/crasher"
    assert (row["status"], row["health"], row["ready"], row["restarts"]) == ("CrashLoopBackOff", "bad", "1/2", 4)
    assert (row["node"], row["ip"], row["labels"]) == ("n1", "10.0.0.5", {"app": "x"})
    assert (row["cpuRequestMillis"], row["memoryRequestBytes"]) == (1250, 64 * 2**20)


def test_pod_colours_follow_status():
    running = {
        "metadata": meta(),
        "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "a", "ready": True, "state": {"running": {}}}]},
    }
    assert pod_row(running)["health"] == "good"
    pending = {"metadata": meta(), "spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Pending"}}
    assert pod_row(pending)["health"] == "warn"
    done = {"metadata": meta(), "spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Succeeded"}}
    assert (pod_row(done)["health"], pod_row(done)["terminal"]) == ("done", True)


def test_pod_detail_has_each_containers_state_and_the_conditions():
    detail = pod_detail(crashing_pod())
    b = detail["containers"][1]
    assert (b["state"], b["reason"], b["restarts"], b["lastTermination"]) == ("waiting", "CrashLoopBackOff", 4, "Error")
    assert detail["containers"][0]["state"] == "running"
    assert detail["conditions"] == [{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "since": ""}]


def test_a_deployment_rolling_out_fills_its_bar_with_updated_ready_pods():
    obj = {
        "metadata": meta(generation=2),
        "spec": {"replicas": 4},
        "status": {"observedGeneration": 2, "readyReplicas": 4, "updatedReplicas": 1},
    }
    row = deployment_row(obj)
    assert (row["ready"], row["desired"], row["progress"], row["state"]) == (4, 4, 0.25, "Progressing")
    assert row["scalable"] and row["restartable"]
    new = deployment_row({"metadata": meta(generation=1), "spec": {"replicas": 3}})
    assert (new["ready"], new["desired"], new["state"]) == (0, 3, "Pending")
    done = {
        "metadata": meta(generation=1),
        "spec": {"replicas": 3},
        "status": {"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 3},
    }
    assert (deployment_row(done)["progress"], deployment_row(done)["state"]) == (1.0, "Available")
    assert deployment_row({"metadata": meta(), "spec": {"replicas": 0}})["progress"] == 1.0


def test_other_workloads():
    sts = statefulset_row(
        {"metadata": meta(), "spec": {"replicas": 2}, "status": {"readyReplicas": 1, "updatedReplicas": 2}}
    )
    assert (sts["ready"], sts["desired"], sts["progress"]) == (1, 2, 0.5)
    ds = daemonset_row(
        {"metadata": meta(), "status": {"desiredNumberScheduled": 3, "numberReady": 3, "updatedNumberScheduled": 3}}
    )
    assert (ds["ready"], ds["desired"], ds["state"], ds["scalable"]) == (3, 3, "Available", False)
    job = job_row(
        {"metadata": meta(), "spec": {"completions": 5}, "status": {"succeeded": 2, "active": 1, "conditions": []}}
    )
    assert (job["ready"], job["desired"], job["progress"], job["state"], job["active"]) == (2, 5, 0.4, "Running", 1)
    failed = job_row({"metadata": meta(), "spec": {}, "status": {"conditions": [{"type": "Failed", "status": "True"}]}})
    assert failed["state"] == "Failed"
    cron = cronjob_row({"metadata": meta(), "spec": {"schedule": "*/1 * * * *"}, "status": {"active": [{}]}})
    assert (cron["schedule"], cron["ready"], cron["state"]) == ("*/1 * * * *", 1, "Active")


def test_node_rows_and_usage():
    node = {
        "metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
        "spec": {"unschedulable": True, "taints": [{"key": "k", "effect": "NoSchedule"}]},
        "status": {
            "allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }
    row = node_row(node)
    assert (row["key"], row["ready"], row["unschedulable"], row["roles"]) == ("n1", True, True, ["control-plane"])
    assert (row["cpuAllocatableMillis"], row["memoryAllocatableBytes"], row["podsAllocatable"]) == (
        2000,
        4 * 2**30,
        110,
    )
    assert row["taints"] == ["k:NoSchedule"]
    usage = node_usage({"metadata": {"name": "n1"}, "usage": {"cpu": "123456789n", "memory": "2048Ki"}})
    # Kubernetes rounds a quantity up to whole millicores (MilliValue).
    assert (usage["key"], usage["cpuUsedMillis"], usage["memoryUsedBytes"]) == ("n1", 124, 2 * 2**20)


def test_services_slices_and_ingresses():
    service = service_row(
        {
            "metadata": meta(),
            "spec": {
                "type": "NodePort",
                "clusterIP": "10.96.0.9",
                "ports": [{"port": 80, "nodePort": 30080}],
                "selector": {"app": "web"},
            },
        }
    )
    assert (service["type"], service["ports"], service["selector"]) == ("NodePort", ["80:30080/TCP"], {"app": "web"})
    slice_ = endpointslice_row(
        {
            "metadata": meta("web-abc", labels={"kubernetes.io/service-name": "web"}),
            "ports": [{"name": "http", "port": 8080}],
            "endpoints": [
                {
                    "addresses": ["172.18.0.2"],
                    "conditions": {"ready": True},
                    "targetRef": {"kind": "Pod", "name": "p1"},
                },
                {"addresses": ["172.18.0.3"], "conditions": {"ready": False, "terminating": True}},
            ],
        }
    )
    assert (slice_["service"], slice_["ports"]) == ("web", ["http:8080"])
    assert [(e["address"], e["ready"], e["pod"]) for e in slice_["endpoints"]] == [
        ("172.18.0.2", True, "p1"),
        ("172.18.0.3", False, ""),
    ]
    ingress = ingress_row(
        {
            "metadata": meta(),
            "spec": {
                "ingressClassName": "kubemini",
                "tls": [{"hosts": ["a.test"]}],
                "rules": [
                    {
                        "host": "a.test",
                        "http": {
                            "paths": [{"path": "/api", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]
                        },
                    }
                ],
            },
        }
    )
    assert ingress["routes"] == [{"host": "a.test", "path": "/api", "backend": "web:80", "service": "web"}]
    assert (ingress["className"], ingress["tlsHosts"]) == ("kubemini", ["a.test"])


def test_event_rows_take_the_latest_time_and_count():
    row = event_row(
        {
            "metadata": meta("web.1"),
            "type": "Warning",
            "reason": "BackOff",
            "message": "m",
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "ns"},
            "count": 7,
            "firstTimestamp": "2026-01-01T00:00:00Z",
            "lastTimestamp": "2026-01-01T00:05:00Z",
            "source": {"component": "kubelet"},
        }
    )
    assert (row["type"], row["objectKind"], row["objectName"], row["count"]) == ("Warning", "Pod", "web-1", 7)
    assert (row["lastSeen"], row["source"]) == ("2026-01-01T00:05:00Z", "kubelet")
    series = event_row(
        {
            "metadata": meta(),
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "series": {"count": 3, "lastObservedTime": "2026-01-01T00:09:00.000000Z"},
            "regarding": {"kind": "Node"},
        }
    )
    assert (series["count"], series["lastSeen"], series["objectKind"]) == (3, "2026-01-01T00:09:00.000000Z", "Node")
