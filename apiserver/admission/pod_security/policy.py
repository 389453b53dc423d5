"""A namespace's Pod Security policy: its `pod-security.kubernetes.io/<mode>[-version]` labels over the
cluster defaults, each mode one `level:version` (`baseline:latest`, `restricted:v1.30`).

    labels ──► Policy(enforce, audit, warn) and the field errors of labels that do not parse
               (an invalid label falls back to the default, as pod-security-admission does)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from apiserver.admission.pod_security.checks import LEVELS, PRIVILEGED
from kubemini.api.field_errors import FieldErrors

LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
LATEST = "latest"
_VERSION = re.compile(r"^v1\.(0|[1-9][0-9]*)$")


@dataclass(frozen=True)
class LevelVersion:
    level: str = PRIVILEGED
    version: str = LATEST

    def __str__(self) -> str:
        return f"{self.level}:{self.version}"


@dataclass(frozen=True)
class Policy:
    enforce: LevelVersion = LevelVersion()
    audit: LevelVersion = LevelVersion()
    warn: LevelVersion = LevelVersion()


def level_error(value: str) -> str | None:
    return None if value in LEVELS else f"must be one of {', '.join(LEVELS)}"


def version_error(value: str) -> str | None:
    return None if value == LATEST or _VERSION.match(value) else "must be 'latest' or of the form v1.x"


def policy_of(labels: Mapping[str, str] | None, defaults: Policy) -> tuple[Policy, FieldErrors]:
    labels = labels or {}
    errors = FieldErrors()
    chosen = {}
    for mode in MODES:
        default = getattr(defaults, mode)
        level_key, version_key = f"{LABEL_PREFIX}{mode}", f"{LABEL_PREFIX}{mode}-version"
        level, version = labels.get(level_key, default.level), labels.get(version_key, default.version)
        if level_key in labels and (why := level_error(level)):
            errors.invalid(f"metadata.labels[{level_key}]", level, why)
            level = default.level
        if version_key in labels and (why := version_error(version)):
            errors.invalid(f"metadata.labels[{version_key}]", version, why)
            version = default.version
        chosen[mode] = LevelVersion(level, version)
    return Policy(**chosen), errors
