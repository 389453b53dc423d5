"""Every namespace gets a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap, and keeps them."""

from __future__ import annotations

import secrets
import time

from tests.integration.controller_manager.conftest import ROOT_CA


def test_a_new_namespace_gets_its_default_service_account_within_a_second(api):
    name = f"sa-{secrets.token_hex(4)}"
    created = time.monotonic()
    api.create("/api/v1/namespaces", {"metadata": {"name": name}})
    path = f"/api/v1/namespaces/{name}/serviceaccounts/default"
    # The goal is a second; the deadline leaves room for a machine busy with other test runs.
    api.wait_for(lambda: api.get_or_none(path), what="the default ServiceAccount", timeout=5.0)
    print(f"default ServiceAccount {1000 * (time.monotonic() - created):.0f} ms after the namespace")
    api.delete(path)
    api.wait_for(
        lambda: (sa := api.get_or_none(path)) and not sa["metadata"].get("deletionTimestamp"),
        what="the default ServiceAccount recreated after its deletion",
        timeout=5,
    )


def test_root_ca_config_map_is_published_and_restored(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps/kube-root-ca.crt"
    published = api.wait_for(lambda: api.get_or_none(path), what="kube-root-ca.crt published", timeout=5)
    assert published["data"] == {"ca.crt": ROOT_CA}
    assert "kube-apiserver" in published["metadata"]["annotations"]["kubernetes.io/description"]
    api.merge_patch(path, {"data": {"ca.crt": "tampered"}})
    api.wait_for(lambda: api.get(path)["data"] == {"ca.crt": ROOT_CA}, what="the content put back", timeout=5)
    api.delete(path)
    api.wait_for(
        lambda: (cm := api.get_or_none(path)) and cm["data"] == {"ca.crt": ROOT_CA},
        what="the ConfigMap recreated",
        timeout=5,
    )
