"""One stored object and its serializations, each computed at most once.

    watch cache entry ──► Encoded(key, obj, mod_revision)
        .form(("json", "v1"), make) ──► bytes, made on first use, then shared by every list,
                                        get and watch event that serves this object that way

Like the kube-apiserver's watch cache caching serializations (`cachingObject`): a list of 500
pods is 500 byte strings joined, and an event sent to 1,000 watchers is encoded once per form.
The object is read-only once it is in an Encoded (every reader shares it): copy before changing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from kubemini import json_codec


class Encoded:
    __slots__ = ("_forms", "_json", "key", "mod_revision", "obj")

    def __init__(self, key: str, obj: dict, mod_revision: int):
        self.key = key
        self.obj = obj
        self.mod_revision = mod_revision
        self._forms: dict[Hashable, object] | None = None
        self._json: bytes | None = None

    def json(self) -> bytes:
        """The object as it is stored (kind and apiVersion of the stored version), as JSON."""
        if self._json is None:
            self._json = json_codec.dumps(self.obj)
        return self._json

    def form(self, name: Hashable, make: Callable[[dict], object]):
        """`make(obj)`, computed the first time `name` is asked for and remembered."""
        forms = self._forms
        if forms is None:
            forms = self._forms = {}
        value = forms.get(name)
        if value is None:
            value = forms[name] = make(self.obj)
        return value
