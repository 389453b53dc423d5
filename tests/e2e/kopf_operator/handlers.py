"""A small operator written with kopf (the real framework from PyPI), run by the e2e test as
`kopf run --standalone handlers.py`: for every CronTab it creates a ConfigMap the CronTab owns, and
kopf writes the handler's result into the CronTab's status. Deleting the CronTab removes the ConfigMap
through the garbage collector (the owner reference), as on Kubernetes."""

from __future__ import annotations

import os

import kopf
import kubernetes

GROUP = os.environ["CRONTAB_GROUP"]


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_) -> None:
    settings.posting.level = 100  # no Events: this operator is about objects, not its log
    settings.watching.server_timeout = 60


@kopf.on.create(GROUP, "v1", "crontabs")
def create_configmap(spec, name, namespace, body, **_) -> dict:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{name}-schedule"},
        "data": {"cronSpec": spec["cronSpec"], "image": spec.get("image", "")},
    }
    kopf.adopt(configmap, owner=body)
    kubernetes.config.load_kube_config()
    with kubernetes.client.ApiClient() as client:
        kubernetes.client.CoreV1Api(client).create_namespaced_config_map(namespace, configmap)
    return {"configmap": configmap["metadata"]["name"]}
