"""The workload examples of the README are valid manifests (server-side dry run with strict validation)."""

from __future__ import annotations

import pytest

from tests.support.processes import REPO_ROOT

EXAMPLES = [
    "job.yaml", "cronjob.yaml", "daemonset.yaml", "statefulset.yaml", "pdb.yaml",
    "blue-green/blue-green.yaml", "canary/canary.yaml",
    "pvc-demo.yaml", "pv-hostpath.yaml", "hpa-demo.yaml",
]  # fmt: skip


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_applies(kubectl, namespace, name):
    path = REPO_ROOT / "examples" / name
    result = kubectl.run("apply", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", str(path))
    assert "(server dry run)" in result.stdout, result.stdout
