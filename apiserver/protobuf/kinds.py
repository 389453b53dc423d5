"""Which (apiVersion, kind) pairs the apiserver can read as protobuf, and the schema for each.

Only kinds kubemini serves are listed: a protobuf body of any other kind gets 415, which is also
what the apiserver answers for a kind it does not know in JSON terms.
"""

from __future__ import annotations

from apiserver.protobuf.apps_messages import DEPLOYMENT, REPLICA_SET
from apiserver.protobuf.batch_messages import JOB
from apiserver.protobuf.core_messages import CONFIG_MAP, NAMESPACE, SECRET, SERVICE, SERVICE_ACCOUNT
from apiserver.protobuf.fields import Schema
from apiserver.protobuf.meta_messages import DELETE_OPTIONS
from apiserver.protobuf.pod_messages import POD

KIND_SCHEMAS: dict[tuple[str, str], Schema] = {
    ("v1", "Namespace"): NAMESPACE,
    ("v1", "ConfigMap"): CONFIG_MAP,
    ("v1", "Secret"): SECRET,
    ("v1", "ServiceAccount"): SERVICE_ACCOUNT,
    ("v1", "Service"): SERVICE,
    ("v1", "Pod"): POD,
    ("apps/v1", "Deployment"): DEPLOYMENT,
    ("apps/v1", "ReplicaSet"): REPLICA_SET,
    ("batch/v1", "Job"): JOB,
}

# client-go registers DeleteOptions in every group version, so a typed client tags it with its own.
ANY_VERSION_KIND_SCHEMAS: dict[str, Schema] = {
    "DeleteOptions": DELETE_OPTIONS,
}


class UnsupportedKind(Exception):
    """A well-formed protobuf envelope around a kind we have no schema for (answered with 415)."""


def schema_for(api_version: str, kind: str) -> Schema:
    schema = KIND_SCHEMAS.get((api_version, kind)) or ANY_VERSION_KIND_SCHEMAS.get(kind)
    if schema is None:
        raise UnsupportedKind(f"no protobuf decoder for {api_version}/{kind}")
    return schema
