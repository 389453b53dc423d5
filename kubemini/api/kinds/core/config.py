"""ConfigMaps, Secrets and ServiceAccounts."""

from __future__ import annotations

import base64
import re

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_immutable

_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
CONFIG_KEY_MESSAGE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
MAX_DATA_BYTES = 1024 * 1024
SECRET_TYPES_WITH_KEYS = {
    "kubernetes.io/service-account-token": ("token",),
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/basic-auth": (),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def check_keys(values: dict | None, path: str, errors: FieldErrors, seen: set[str]) -> None:
    for key in values or {}:
        if len(key) > 253 or not _CONFIG_KEY.match(key):
            errors.invalid(path, key, CONFIG_KEY_MESSAGE)
        elif key in seen:
            errors.invalid(path, key, "duplicate of key present in data")
        seen.add(key)


def _check_immutable_data(new: dict, old: dict, errors: FieldErrors, fields: tuple[str, ...]) -> None:
    if not old.get("immutable"):
        return
    for field in fields:
        if new.get(field) != old.get(field):
            errors.forbidden(field, "field is immutable when `immutable` is set")
    if not new.get("immutable"):
        errors.forbidden("immutable", "field is immutable when `immutable` is set")


class ConfigMapStrategy(Strategy):
    columns = (NAME, Column("Data", type="integer", description="Data contains the configuration data."), AGE)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        seen: set[str] = set()
        check_keys(obj.get("data"), "data", errors, seen)
        check_keys(obj.get("binaryData"), "binaryData", errors, seen)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        _check_immutable_data(new, old, errors, ("data", "binaryData"))

    def cells(self, obj: dict) -> list:
        size = printing.count(obj.get("data")) + printing.count(obj.get("binaryData"))
        return [printing.name(obj), size, printing.age(obj)]


class SecretStrategy(Strategy):
    field_labels = ("type",)
    columns = (
        NAME,
        Column("Type", description="Used to facilitate programmatic handling of secret data."),
        Column("Data", type="integer", description="Data contains the secret data."),
        AGE,
    )

    def default(self, obj: dict) -> None:
        obj.setdefault("type", "Opaque")
        string_data = obj.pop("stringData", None)
        if string_data:
            # Write-only convenience: merged into `data` (base64) as Kubernetes does, never stored.
            data = obj.setdefault("data", {})
            for key, value in string_data.items():
                data[key] = base64.b64encode(value.encode()).decode()

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        check_keys(obj.get("data"), "data", errors, set())
        required = SECRET_TYPES_WITH_KEYS.get(obj.get("type") or "Opaque", ())
        present = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
        for key in required:
            if key not in present:
                errors.required(f"data[{key}]")

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        check_immutable(new.get("type"), old.get("type"), "type", errors)
        _check_immutable_data(new, old, errors, ("data",))

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        values["type"] = str(obj.get("type") or "")
        return values

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), obj.get("type", "Opaque"), printing.count(obj.get("data")), printing.age(obj)]


class ServiceAccountStrategy(Strategy):
    columns = (
        NAME,
        Column(
            "Secrets",
            type="integer",
            description="Secrets is a list of the secrets in the same namespace that pods running using this "
            "ServiceAccount are allowed to use.",
        ),
        AGE,
    )

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), printing.count(obj.get("secrets")), printing.age(obj)]
