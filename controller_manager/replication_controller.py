"""ReplicationController controller ("replicationcontroller"): the ReplicaSet machinery over the older kind.

    ReplicationController events ──► its key;  Pod events ──► the controlling RC's key (orphans: every
    RC whose selector matches) ──► reconcile(key): claim, create/delete pods, status (replicaset.py)

As in Kubernetes, the only difference is the selector: an RC's `spec.selector` is a plain
map of labels that must all be equal (no matchExpressions); the status fields are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controller_manager.replicaset import ReplicaSetController
from kubemini.api.registry import by_kind
from kubemini.api.selectors import selector_from_label_selector

REPLICATION_CONTROLLER = by_kind("ReplicationController")


def equality_selector_of(rc: Mapping[str, Any]) -> tuple:
    labels = (rc.get("spec") or {}).get("selector") or {}
    return selector_from_label_selector({"matchLabels": dict(labels)}) if labels else ()


class ReplicationManager(ReplicaSetController):
    name = "replicationcontroller"
    owner_rt = REPLICATION_CONTROLLER
    selector_of = staticmethod(equality_selector_of)
