"""apps/v1: Deployments, ReplicaSets, DaemonSets, StatefulSets, ControllerRevisions."""

from kubemini.api.kinds.apps.daemonsets import DaemonSetStrategy
from kubemini.api.kinds.apps.deployments import DeploymentStrategy, ReplicaSetStrategy
from kubemini.api.kinds.apps.statefulsets import ControllerRevisionStrategy, StatefulSetStrategy

__all__ = [
    "ControllerRevisionStrategy",
    "DaemonSetStrategy",
    "DeploymentStrategy",
    "ReplicaSetStrategy",
    "StatefulSetStrategy",
]
