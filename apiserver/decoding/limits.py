"""Sizes and budgets every request body is held to (Kubernetes' values where it has them)."""

MAX_BODY_BYTES = 3 * 1024 * 1024  # the apiserver's request body limit
MAX_OBJECT_BYTES = 1536 * 1024  # 1.5 MiB, etcd's default request limit
# Bodies at least this big are decoded off the event loop.
THREAD_DECODE_BYTES = 64 * 1024
# YAML anchors and aliases: a document may expand to this many nodes at most, and to no more
# than this many times its own size once past the floor (go-yaml's "excessive aliasing").
YAML_MAX_EXPANDED_NODES = 2_000_000
YAML_ALIAS_RATIO_FLOOR = 100_000
YAML_MAX_ALIAS_RATIO = 10
# JSON patch: operations per patch, and bytes `copy` may add in total (Kubernetes' limits).
JSON_PATCH_MAX_OPERATIONS = 10_000
JSON_PATCH_MAX_COPIED_BYTES = 3 * 1024 * 1024
