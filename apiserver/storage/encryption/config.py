"""Reading an `apiserver.config.k8s.io/v1` EncryptionConfiguration file (kube-apiserver's
`--encryption-provider-config`) into rules, or an error naming the field that is wrong.

    file text → YAML → parse_config() → EncryptionConfig(rules=[ResourceRule(resources, providers)])

Each rule lists resources (`secrets`, `deployments.apps`, `*.apps`, `*.*`) and an ordered list
of providers, each one of `aesgcm`, `aescbc`, `secretbox` (with named base64 keys) or `identity`.
The first provider of a rule (its first key) encrypts; every provider is tried to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from apiserver.storage.encryption.providers import KEY_LENGTHS

API_VERSIONS = ("apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1beta1")
KIND = "EncryptionConfiguration"
KEYED_PROVIDERS = tuple(KEY_LENGTHS)
PROVIDERS = (*KEYED_PROVIDERS, "identity")
UNSUPPORTED_PROVIDERS = ("kms",)


class EncryptionConfigError(ValueError):
    """The file cannot be used; the message names the field."""


@dataclass(frozen=True)
class ProviderSpec:
    kind: str  # aesgcm, aescbc, secretbox, identity
    keys: tuple[tuple[str, bytes], ...] = ()  # (name, secret) in order; the first one encrypts


@dataclass(frozen=True)
class ResourceRule:
    resources: tuple[str, ...]
    providers: tuple[ProviderSpec, ...]


@dataclass(frozen=True)
class EncryptionConfig:
    rules: tuple[ResourceRule, ...]
    digest: str  # sha256 of the file's bytes: what a reload compares


def load_config(path: Path) -> EncryptionConfig:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EncryptionConfigError(f"error reading file {str(path)!r}: {exc}") from None
    return parse_config(data)


def parse_config(data: bytes) -> EncryptionConfig:
    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise EncryptionConfigError(f"the file is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise EncryptionConfigError("the file must hold one EncryptionConfiguration object")
    if document.get("kind") != KIND:
        raise EncryptionConfigError(f"kind: Invalid value: {document.get('kind')!r}: must be {KIND!r}")
    if document.get("apiVersion") not in API_VERSIONS:
        raise EncryptionConfigError(
            f"apiVersion: Invalid value: {document.get('apiVersion')!r}: must be {API_VERSIONS[0]!r}"
        )
    resources = document.get("resources")
    if not isinstance(resources, list) or not resources:
        raise EncryptionConfigError(
            "resources: Required value: EncryptionConfiguration.resources must contain at least one resource"
        )
    rules = tuple(_parse_rule(item, f"resources[{i}]") for i, item in enumerate(resources))
    return EncryptionConfig(rules, "sha256:" + hashlib.sha256(data).hexdigest())


def _parse_rule(item: object, path: str) -> ResourceRule:
    if not isinstance(item, dict):
        raise EncryptionConfigError(f"{path}: Invalid value: must be an object with resources and providers")
    names = item.get("resources")
    if not isinstance(names, list) or not names:
        raise EncryptionConfigError(f"{path}.resources: Required value: resources must contain at least one resource")
    for j, name in enumerate(names):
        _check_resource_name(name, f"{path}.resources[{j}]")
    providers = item.get("providers")
    if not isinstance(providers, list) or not providers:
        raise EncryptionConfigError(f"{path}.providers: Required value: providers must contain at least one provider")
    specs = tuple(_parse_provider(p, f"{path}.providers[{j}]") for j, p in enumerate(providers))
    return ResourceRule(tuple(names), specs)


def _check_resource_name(name: object, path: str) -> None:
    if not isinstance(name, str) or not name:
        raise EncryptionConfigError(f"{path}: Required value: resource name must not be empty")
    if name != name.lower():
        raise EncryptionConfigError(f"{path}: Invalid value: {name!r}: resource name must be lowercase")
    if name == "*":
        raise EncryptionConfigError(
            f"{path}: Invalid value: '*': use '*.' to encrypt all the resources from core API group "
            "or '*.*' to encrypt all resources"
        )
    resource, _, _group = name.partition(".")
    if "*" in resource and resource != "*" or "*" in _group and _group != "*":
        raise EncryptionConfigError(f"{path}: Invalid value: {name!r}: only a whole resource or group may be '*'")


def _parse_provider(provider: object, path: str) -> ProviderSpec:
    if not isinstance(provider, dict) or not provider:
        raise EncryptionConfigError(f"{path}: Required value: a provider must be one of {', '.join(PROVIDERS)}")
    kinds = list(provider)
    if len(kinds) > 1:
        raise EncryptionConfigError(
            f"{path}: Invalid value: more than one provider specified in a single element, "
            "should split into different list elements"
        )
    kind = kinds[0]
    if kind in UNSUPPORTED_PROVIDERS:
        raise EncryptionConfigError(f"{path}.{kind}: Unsupported value: {kind!r}: kubemini has no KMS plugins")
    if kind not in PROVIDERS:
        raise EncryptionConfigError(
            f"{path}: Unsupported value: {kind!r}: supported values: {', '.join(repr(p) for p in PROVIDERS)}"
        )
    if kind == "identity":
        return ProviderSpec("identity")
    body = provider[kind] or {}
    keys = body.get("keys") if isinstance(body, dict) else None
    if not isinstance(keys, list) or not keys:
        raise EncryptionConfigError(f"{path}.{kind}.keys: Required value: keys (list) should have at least 1 element")
    parsed = tuple(_parse_key(key, kind, f"{path}.{kind}.keys[{k}]") for k, key in enumerate(keys))
    seen: set[str] = set()
    for k, (name, _) in enumerate(parsed):
        if name in seen:
            raise EncryptionConfigError(f"{path}.{kind}.keys[{k}].name: Duplicate value: {name!r}")
        seen.add(name)
    return ProviderSpec(kind, parsed)


def _parse_key(key: object, kind: str, path: str) -> tuple[str, bytes]:
    if not isinstance(key, dict):
        raise EncryptionConfigError(f"{path}: Invalid value: a key must have a name and a secret")
    name, secret = key.get("name"), key.get("secret")
    if not isinstance(name, str) or not name:
        raise EncryptionConfigError(f"{path}.name: Required value: key name is required")
    if ":" in name:
        raise EncryptionConfigError(f"{path}.name: Invalid value: {name!r}: key name must not contain ':'")
    if not isinstance(secret, str) or not secret:
        raise EncryptionConfigError(f"{path}.secret: Required value: secret is required")
    try:
        raw = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        raise EncryptionConfigError(f"{path}.secret: Invalid value: REDACTED: secrets must be base64 encoded") from None
    if len(raw) not in KEY_LENGTHS[kind]:
        allowed = ", ".join(str(n) for n in KEY_LENGTHS[kind])
        raise EncryptionConfigError(
            f"{path}.secret: Invalid value: REDACTED: secret is not of the expected length, "
            f"got {len(raw)}, expected one of [{allowed}]"
        )
    return name, raw
