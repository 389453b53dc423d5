"""Sets of field paths, as structured-merge-diff keeps them, and their FieldsV1 form.

    path element   FieldsV1 key              path text          what it names
    ("f", name)    f:replicas                .replicas          a field of an object or map
    ("k", keys)    k:{"name":"c"}            [name="c"]         an item of a list keyed by its map keys
    ("v", json)    v:"x"                     [="x"]             an item of a set list, by value
    ("i", n)       i:0                       [0]                an item of an untyped list, by index

A `FieldSet` is a tree: `members` are the paths that end at this node, `children`
the subtrees below it. FieldsV1 marks a node that is both a member and a parent
with `".": {}`, exactly as the Go serializer writes it (members first, children in
path-element order).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

Element = tuple  # ("f", str) | ("k", tuple[tuple[str, str], ...]) | ("v", str) | ("i", int)
Path = tuple  # tuple[Element, ...]
_KIND_ORDER = {"f": 0, "k": 1, "v": 2, "i": 3}


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def field(name: str) -> Element:
    return ("f", name)


def key_element(item: dict, keys: tuple[str, ...]) -> Element:
    return ("k", tuple(sorted((name, _json(item.get(name))) for name in keys if name in item)))


def value_element(value: object) -> Element:
    return ("v", _json(value))


def index_element(index: int) -> Element:
    return ("i", index)


def _sort_key(element: Element) -> tuple:
    kind, body = element
    return (_KIND_ORDER[kind], body)


def element_text(element: Element) -> str:
    """The element as fieldpath.PathElement.String() prints it (`.name`, `[name="c"]`, `[="x"]`, `[0]`)."""
    kind, body = element
    if kind == "f":
        return f".{body}"
    if kind == "k":
        return "[" + ",".join(f"{name}={value}" for name, value in body) + "]"
    if kind == "v":
        return f"[={body}]"
    return f"[{body}]"


def path_text(path: Path) -> str:
    return "".join(element_text(element) for element in path)


def _element_key(element: Element) -> str:
    kind, body = element
    if kind == "f":
        return f"f:{body}"
    if kind == "k":
        return "k:{" + ",".join(f"{_json(name)}:{value}" for name, value in body) + "}"
    if kind == "v":
        return f"v:{body}"
    return f"i:{body}"


def _parse_element(text: str) -> Element:
    kind, sep, body = text.partition(":")
    if not sep:
        raise ValueError(f"unexpected path element {text!r}")
    if kind == "f":
        return ("f", body)
    if kind == "k":
        keys = json.loads(body)
        if not isinstance(keys, dict):
            raise ValueError(f"a key path element is not an object: {text!r}")
        return ("k", tuple(sorted((name, _json(value)) for name, value in keys.items())))
    if kind == "v":
        return ("v", _json(json.loads(body)))
    if kind == "i":
        return ("i", int(body))
    raise ValueError(f"unknown path element kind {kind!r}")


class FieldSet:
    __slots__ = ("children", "members")

    def __init__(self) -> None:
        self.members: set[Element] = set()
        self.children: dict[Element, FieldSet] = {}

    # -- building --------------------------------------------------------------------------

    def insert(self, path: Path) -> None:
        node = self
        for element in path[:-1]:
            node = node.children.setdefault(element, FieldSet())
        if path:
            node.members.add(path[-1])

    def child(self, element: Element) -> FieldSet:
        return self.children.setdefault(element, FieldSet())

    @classmethod
    def of(cls, *paths: Path) -> FieldSet:
        result = cls()
        for path in paths:
            result.insert(path)
        return result

    # -- queries ---------------------------------------------------------------------------

    def empty(self) -> bool:
        return not self.members and all(child.empty() for child in self.children.values())

    def has(self, path: Path) -> bool:
        node = self
        for element in path[:-1]:
            node = node.children.get(element)
            if node is None:
                return False
        return bool(path) and path[-1] in node.members

    def get(self, element: Element) -> FieldSet | None:
        return self.children.get(element)

    def paths(self, prefix: Path = ()) -> Iterator[Path]:
        """Every member path, in serialization order (a node before what lies below it)."""
        elements = sorted(self.members | set(self.children), key=_sort_key)
        for element in elements:
            if element in self.members:
                yield (*prefix, element)
            if element in self.children:
                yield from self.children[element].paths((*prefix, element))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSet) and list(self.paths()) == list(other.paths())

    def __repr__(self) -> str:
        return f"FieldSet({[path_text(p) for p in self.paths()]})"

    # -- algebra ---------------------------------------------------------------------------

    def union(self, other: FieldSet) -> FieldSet:
        result = FieldSet()
        result.members = self.members | other.members
        for element in set(self.children) | set(other.children):
            mine, theirs = self.children.get(element), other.children.get(element)
            merged = mine.union(theirs) if mine and theirs else (mine or theirs).copy()
            if not merged.empty():
                result.children[element] = merged
        return result

    def intersection(self, other: FieldSet) -> FieldSet:
        result = FieldSet()
        result.members = self.members & other.members
        for element in set(self.children) & set(other.children):
            common = self.children[element].intersection(other.children[element])
            if not common.empty():
                result.children[element] = common
        return result

    def difference(self, other: FieldSet) -> FieldSet:
        result = FieldSet()
        result.members = self.members - other.members
        for element, child in self.children.items():
            left = child.difference(other.children[element]) if element in other.children else child.copy()
            if not left.empty():
                result.children[element] = left
        return result

    def without_prefixes(self, other: FieldSet) -> FieldSet:
        """This set minus every path at or below a member of `other` (RecursiveDifference)."""
        result = FieldSet()
        result.members = self.members - other.members
        for element, child in self.children.items():
            if element in other.members:
                continue
            left = child.without_prefixes(other.children[element]) if element in other.children else child.copy()
            if not left.empty():
                result.children[element] = left
        return result

    def copy(self) -> FieldSet:
        result = FieldSet()
        result.members = set(self.members)
        result.children = {element: child.copy() for element, child in self.children.items()}
        return result

    # -- FieldsV1 --------------------------------------------------------------------------

    def to_fields_v1(self) -> dict:
        out: dict = {}
        for element in sorted(self.members | set(self.children), key=_sort_key):
            child = self.children.get(element)
            if child is None or child.empty():
                out[_element_key(element)] = {}
                continue
            encoded = child.to_fields_v1()
            if element in self.members:
                encoded = {".": {}, **encoded}
            out[_element_key(element)] = encoded
        return out

    @classmethod
    def from_fields_v1(cls, document: object) -> FieldSet:
        """Parse FieldsV1 JSON; ValueError when it is not one."""
        if not isinstance(document, dict):
            raise ValueError("FieldsV1 must be a JSON object")
        result = cls()
        for key, value in document.items():
            if key == ".":
                continue
            element = _parse_element(key)
            if not isinstance(value, dict):
                raise ValueError(f"the value of {key!r} must be an object")
            if not value or "." in value:
                result.members.add(element)
            below = {k: v for k, v in value.items() if k != "."}
            if below:
                result.children[element] = cls.from_fields_v1(below)
        return result
