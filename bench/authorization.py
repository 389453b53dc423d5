"""What one authorization check costs: `Node,RBAC` over the default policy plus many user bindings.

    .venv/bin/python bench/authorization.py [--rounds 100000] [--bindings 1000] [--pods 5000]

The policy and pods live in fake watch caches (what the apiserver's authorizers read). Prints µs
per check: cached (the same request again, as every request of a steady client) and after a change
(a RoleBinding and a pod changed before each check: RBAC rebuilds its index, the Node authorizer
its graph), for an RBAC user, a kubelet reading a secret of one of its pods, and a system:masters member.
Target (issue 19): a cached check well under 50 µs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apiserver.authorization.chain import Authorization  # noqa: E402
from apiserver.authorization.rbac import bootstrap_policy  # noqa: E402
from tests.unit.apiserver.authorization.fakes import binding, context, resource, subject, user  # noqa: E402


def build(bindings: int, pods: int):
    ctx = context()
    for role in bootstrap_policy.cluster_roles():
        ctx.put("ClusterRole", role)
    for crb in bootstrap_policy.cluster_role_bindings():
        ctx.put("ClusterRoleBinding", crb)
    for index in range(bindings):
        ctx.put("RoleBinding", binding(f"b{index}", "ClusterRole", "system:aggregate-to-edit",
                                       subject("User", f"user-{index}"), namespace=f"ns-{index % 50}"))  # fmt: skip
    volumes = [{"name": "s", "secret": {"secretName": "s"}}]
    pod = {
        "metadata": {"name": "p", "namespace": "ns-1"},
        "spec": {"nodeName": "a", "containers": [], "volumes": volumes},
    }
    ctx.put("Pod", pod)
    for index in range(pods):
        ctx.put("Pod", {"metadata": {"name": f"p{index}", "namespace": f"ns-{index % 50}"},
                        "spec": {"nodeName": f"n{index % 20}", "containers": [], "volumes": volumes}})  # fmt: skip
    return ctx


async def per_check(authorization, ctx, attrs, rounds: int, *, invalidate: bool) -> float:
    """µs per check; `invalidate`: an RBAC object and a pod change before each one."""
    bindings, pods = ctx.caches["rolebindings"], ctx.caches["pods"]
    started = time.perf_counter()
    for _ in range(rounds):
        if invalidate:
            bindings.revision += 1
            pods.objects["/registry/pods/ns-1/p1"] = dict(pods.objects["/registry/pods/ns-1/p1"])
            pods.revision += 1
        await authorization.authorize(ctx, attrs)
    return (time.perf_counter() - started) / rounds * 1e6


async def main(rounds: int, bindings: int, pods: int) -> None:
    ctx = build(bindings, pods)
    authorization = Authorization(["Node", "RBAC"])
    cases = {
        "RBAC user (edit in ns-7)": resource(user("user-7"), "create", "pods", namespace="ns-7"),
        "RBAC user, denied": resource(user("user-7"), "create", "pods", namespace="ns-8"),
        "kubelet, a secret of its pod": resource(user("system:node:a", "system:nodes"), "get", "secrets",
                                                 namespace="ns-1", name="s"),
        "system:masters": resource(user("admin", "system:masters"), "delete", "nodes", name="n"),
    }  # fmt: skip
    for what, attrs in cases.items():
        assert (await authorization.authorize(ctx, attrs)).allowed == ("denied" not in what), what
        cached = await per_check(authorization, ctx, attrs, rounds, invalidate=False)
        uncached = await per_check(authorization, ctx, attrs, max(rounds // 1000, 20), invalidate=True)
        print(f"{what:32s} cached {cached:7.2f} µs   after a change {uncached:9.1f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100_000)
    parser.add_argument("--bindings", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.bindings, args.pods))
