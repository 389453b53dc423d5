"""The value transformer the etcd store applies to every value it writes and reads.

    write: object JSON → StorageTransformer.to_storage(etcd key, bytes)   → etcd
    read:  etcd bytes  → StorageTransformer.from_storage(etcd key, bytes) → object JSON
           (get, list pages, watch events and their previous values: all go through EtcdStore)

The transformer finds the first rule whose resources cover the etcd key (one `startswith` per
configured prefix; a store without a configuration has no transformer at all, so other resources
pay nothing), then that rule's first provider encrypts, and the `k8s:enc:<provider>:v1:<key>:`
prefix of a stored value picks the key that decrypts it. Plaintext (a value stored before
encryption was enabled) is read only when the rule lists `identity`, as upstream.
"""

from __future__ import annotations

from apiserver.storage.encryption.config import EncryptionConfig, ProviderSpec
from apiserver.storage.encryption.providers import DecryptError, EncryptionKey, make_key
from apiserver.storage.errors import TransformFailed
from kubemini.api.registry import all_resources, stored_version

ENCRYPTED_MARK = b"k8s:enc:"
PREFIX_COLONS = 5  # k8s:enc:<provider>:v1:<key name>:


class RuleTransformer:
    """One rule's providers: the first one writes, every one reads (by the value's prefix)."""

    def __init__(self, providers: tuple[ProviderSpec, ...]):
        first = providers[0]
        self.writer: EncryptionKey | None = None if first.kind == "identity" else make_key(first.kind, *first.keys[0])
        self.readers: dict[bytes, list[EncryptionKey]] = {}
        for spec in providers:
            for name, secret in spec.keys:
                key = make_key(spec.kind, name, secret)
                self.readers.setdefault(key.prefix, []).append(key)
        self.reads_plaintext = any(spec.kind == "identity" for spec in providers)

    def to_storage(self, etcd_key: bytes, value: bytes) -> bytes:
        if self.writer is None:
            return value
        return self.writer.prefix + self.writer.encrypt(value, etcd_key)

    def from_storage(self, etcd_key: bytes, value: bytes) -> bytes:
        if not value.startswith(ENCRYPTED_MARK):
            if self.reads_plaintext:
                return value
            raise DecryptError("no matching prefix found")
        parts = value.split(b":", PREFIX_COLONS)
        if len(parts) <= PREFIX_COLONS:
            raise DecryptError("no matching prefix found")
        prefix = b":".join(parts[:PREFIX_COLONS]) + b":"
        keys = self.readers.get(prefix)
        if not keys:
            raise DecryptError("no matching prefix found")
        error: DecryptError | None = None
        for key in keys:
            try:
                return key.decrypt(value[len(prefix) :], etcd_key)
            except DecryptError as exc:
                error = exc
        raise error or DecryptError("no matching prefix found")


def key_prefixes(name: str) -> list[str]:
    """The etcd key prefixes a configured resource name covers (`secrets`, `deployments.apps`, `*.apps`, `*.*`)."""
    resource, _, group = name.partition(".")
    if resource == "*" and group == "*":
        return ["/registry/"]
    known = [stored_version(r) for r in all_resources() if not r.virtual and r.group == group]
    if resource == "*":
        prefixes = sorted({r.storage_prefix() for r in known})
        return prefixes + ([f"/registry/{group}/"] if group else [])
    matches = sorted({r.storage_prefix() for r in known if r.plural == resource})
    if matches:
        return matches
    # Not (yet) registered: a custom resource is stored at /registry/<group>/<plural>/.
    return [f"/registry/{group}/{resource}/" if group else f"/registry/{resource}/"]


class StorageTransformer:
    """Every rule of one EncryptionConfiguration, by etcd key prefix, first rule first."""

    def __init__(self, config: EncryptionConfig):
        self.config = config
        self._rules: list[tuple[bytes, RuleTransformer]] = []
        for rule in config.rules:
            transformer = RuleTransformer(rule.providers)
            for name in rule.resources:
                for prefix in key_prefixes(name):
                    self._rules.append((prefix.encode(), transformer))

    def covers(self, prefix: str) -> bool:
        """Whether any key under `prefix` may be transformed (a list or watch of other resources skips us)."""
        wanted = prefix.encode()
        return any(rule.startswith(wanted) or wanted.startswith(rule) for rule, _ in self._rules)

    def rule_for(self, etcd_key: bytes) -> RuleTransformer | None:
        for prefix, transformer in self._rules:
            if etcd_key.startswith(prefix):
                return transformer
        return None

    def is_stale(self, etcd_key: bytes, value: bytes) -> bool:
        """Whether a write now would store `value` differently (another key, or encrypted vs plaintext)."""
        rule = self.rule_for(etcd_key)
        if rule is None:
            return False
        if rule.writer is None:
            return value.startswith(ENCRYPTED_MARK)
        return not value.startswith(rule.writer.prefix)

    def to_storage(self, etcd_key: bytes, value: bytes) -> bytes:
        rule = self.rule_for(etcd_key)
        return value if rule is None else rule.to_storage(etcd_key, value)

    def from_storage(self, etcd_key: bytes, value: bytes) -> bytes:
        rule = self.rule_for(etcd_key)
        if rule is None:
            return value
        try:
            return rule.from_storage(etcd_key, value)
        except DecryptError as exc:
            raise TransformFailed(f'unable to transform key "{etcd_key.decode(errors="replace")}": {exc}') from None
