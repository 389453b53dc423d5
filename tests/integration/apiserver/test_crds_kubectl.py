"""A CRD's life cycle with the real kubectl: established, short name and category, printer columns,
an invalid object refused naming the field, defaults, pruning, status, `kubectl scale`, edit-free
patch/label, CRD deleted → objects gone."""

from __future__ import annotations

import json
import secrets

import pytest

from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.processes import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "crd-crontab.yaml"


@pytest.fixture
def kubectl(apiserver, tmp_path):
    return Kubectl(write_kubeconfig(tmp_path / "kubeconfig", apiserver.url))


def test_crd_life_cycle_with_kubectl(kubectl, tmp_path):
    ns = f"crd-{secrets.token_hex(3)}"
    kubectl.run("create", "namespace", ns)
    kubectl.run("apply", "-f", str(EXAMPLE))
    kubectl.run("wait", "--for=condition=Established", "crd/crontabs.stable.example.com", "--timeout=10s")
    try:
        assert "crontabs" in kubectl.run("api-resources", "--api-group=stable.example.com").stdout
        kubectl.run("apply", "-n", ns, "-f", str(REPO_ROOT / "examples" / "crd-crontab-object.yaml"))
        # Printer columns, by short name; -o wide adds the priority-1 column; `all` holds the category.
        table = kubectl.run("get", "ct", "-n", ns).stdout.splitlines()
        assert table[0].split() == ["NAME", "SPEC", "REPLICAS", "AGE"]
        assert table[1].split()[:7] == ["my-cron", "*/5", "*", "*", "*", "*", "1"]
        assert kubectl.run("get", "ct", "-n", ns, "-o", "wide").stdout.splitlines()[0].split() == [
            "NAME", "SPEC", "REPLICAS", "IMAGE", "AGE"
        ]  # fmt: skip
        assert "crontab.stable.example.com/my-cron" in kubectl.run("get", "all", "-n", ns).stdout
        # Defaults applied, unknown fields pruned (`--validate=warn`: the server warns).
        pruned = kubectl.run(
            "apply", "-n", ns, "--validate=warn", "-f", "-",
            input_text=json.dumps({"apiVersion": "stable.example.com/v1", "kind": "CronTab",
                                   "metadata": {"name": "pruned"}, "spec": {"cronSpec": "* * * * *", "junk": 1}}),
        )  # fmt: skip
        assert 'unknown field "spec.junk"' in pruned.stderr
        spec = json.loads(kubectl.run("get", "crontab", "pruned", "-n", ns, "-o", "json").stdout)["spec"]
        assert spec == {"cronSpec": "* * * * *", "replicas": 1, "maxReplicas": 10, "color": "red"}
        # An invalid object is refused, naming the field.
        refused = kubectl.run(
            "apply", "-n", ns, "-f", "-", check=False,
            input_text=json.dumps({"apiVersion": "stable.example.com/v1", "kind": "CronTab",
                                   "metadata": {"name": "bad"}, "spec": {"cronSpec": "* * * * *", "color": "pink"}}),
        )  # fmt: skip
        assert refused.returncode != 0
        assert 'spec.color: Unsupported value: "pink": supported values: "red", "green"' in refused.stderr
        # Status subresource, scale, label, patch.
        kubectl.run(
            "patch", "ct", "my-cron", "-n", ns, "--subresource=status", "--type=merge",
            "-p", '{"status": {"replicas": 1, "selector": "app=cron"}}',
        )  # fmt: skip
        kubectl.run("scale", "ct", "my-cron", "-n", ns, "--replicas=3")
        kubectl.run("label", "ct", "my-cron", "-n", ns, "tier=batch")
        kubectl.run("patch", "ct", "my-cron", "-n", ns, "--type=merge", "-p", '{"spec": {"image": "cron:0"}}')
        # Re-apply (client-side apply sends a JSON merge patch: no patch strategies in a CRD) and edit.
        manifest = (REPO_ROOT / "examples" / "crd-crontab-object.yaml").read_text()
        kubectl.run("apply", "-n", ns, "-f", "-", input_text=manifest.replace("my-awesome-cron-image", "cron:1"))
        edited = kubectl.run("edit", "ct", "my-cron", "-n", ns, env={"EDITOR": "sed -i s/cron:1/cron:2/"})
        assert "edited" in edited.stdout
        current = json.loads(kubectl.run("get", "ct", "my-cron", "-n", ns, "-o", "json").stdout)
        assert current["spec"]["replicas"] == 3 and current["spec"]["image"] == "cron:2"
        assert current["status"] == {"replicas": 1, "selector": "app=cron"}
        assert current["metadata"]["labels"] == {"tier": "batch"}
        assert kubectl.run("get", "ct", "-n", ns, "-l", "tier=batch", "-o", "name").stdout.split() == [
            "crontab.stable.example.com/my-cron"
        ]
        green = kubectl.run("get", "ct", "-n", ns, "--field-selector", "spec.color=green", "-o", "name")
        assert green.stdout.strip() == ""
        # The deprecated version still answers, with the warning.
        old = kubectl.run("get", "crontabs.v1beta1.stable.example.com", "-n", ns)
        assert "stable.example.com/v1beta1 CronTab is deprecated; use stable.example.com/v1 CronTab" in old.stderr
    finally:
        kubectl.run("delete", "-f", str(EXAMPLE), "--wait=true", "--timeout=30s")
    gone = kubectl.run("get", "ct", "-n", ns, check=False)
    # kubectl may still have the kind in its discovery cache: then the list itself is a 404.
    assert gone.returncode != 0
    assert "doesn't have a resource type" in gone.stderr or "could not find the requested resource" in gone.stderr
    kubectl.run("apply", "-f", str(EXAMPLE))
    kubectl.run("wait", "--for=condition=Established", "crd/crontabs.stable.example.com", "--timeout=10s")
    assert kubectl.run("get", "ct", "-n", ns, "-o", "name").stdout.strip() == "", "the objects went with the CRD"
    kubectl.run("delete", "-f", str(EXAMPLE), "--wait=true", "--timeout=30s")
