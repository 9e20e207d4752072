"""Build a function's arguments from a template, and read its return value against one.

The child's encoded tree is untrusted: every node is checked for kind before use.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..sandbox import wire
from ..spec.model import STEP_SUFFIX, Steps, step_base


def literal(template: Any) -> bool:
    """``"=relu"`` in a template is the string "relu", not a value name."""
    return isinstance(template, str) and template.startswith("=")


def student_ref(template: Any) -> bool:
    """``"@batchnorm_forward.1"``: part 1 of what the student's batchnorm_forward returned."""
    return isinstance(template, str) and template.startswith("@")


def parse_student_ref(template: str) -> wire.StudentRef:
    entry, *path = template[1:].split(".")
    return wire.StudentRef(entry, tuple(int(p) if p.lstrip("-").isdigit() else p for p in path))


def build(template: Any, env: dict[str, Any], t: int | None = None) -> Any:
    """Arguments from reference values. Arrays are the env's own objects: they are only
    serialized (the child gets copies), and their identity lets the child keep them.
    ``t``: the time step inside a ``Steps`` item, where ``"a[t]"`` is a[..., t]."""
    if literal(template):
        return template[1:]
    if student_ref(template):
        return parse_student_ref(template)
    if isinstance(template, str):
        if t is not None and template.endswith(STEP_SUFFIX):
            return env[step_base(template)][..., t]
        return env[template]
    if isinstance(template, Steps):  # a list, as the course's caches.append builds it
        return [build(template.item, env, k) for k in range(int(env[template.count]))]
    if isinstance(template, dict):
        return {k: build(v, env, t) for k, v in template.items()}
    return tuple(build(v, env, t) for v in template)


def leaves(template: Any) -> list[str]:
    if isinstance(template, str):
        return [] if template == "_" or literal(template) or student_ref(template) else [step_base(template)]
    if isinstance(template, Steps):
        return [template.count, *leaves(template.item)]
    items = template.values() if isinstance(template, dict) else template
    return [name for sub in items for name in leaves(sub)]


@dataclass(frozen=True)
class Value:
    """What an encoded node says about a returned value, read once from the untrusted tree.

    Nothing downstream reads the wire dictionary: every question the judge asks of a value
    (is it an array, of which class and dtype, which shape) is a field here."""

    kind: str  # the wire kind: "nd", "scalar", "float", "int", "tuple", "dict", "none", "other", …; "" when missing
    cls: str = ""  # the class the child named ("numpy.ndarray", "numpy.matrix", "numpy.float64", …)
    dtype: str = ""  # numpy's dtype string ("<f8"), when the node has one
    dtype_kind: str = ""  # its kind letter: "f", "i", "u", "b", "c", …
    shape: tuple | None = None  # an array's shape as sent; None when it has none
    length: int = 0  # items in a tuple, list or dict
    described: str = "nothing"  # the student-facing name of its type (describe())

    @property
    def is_array(self) -> bool:
        return self.kind == "nd"

    @property
    def is_plain_array(self) -> bool:
        return self.kind == "nd" and self.cls == "numpy.ndarray"

    @property
    def is_matrix(self) -> bool:
        return self.cls.endswith("matrix")

    @property
    def is_number(self) -> bool:
        """A Python or numpy number, or a 0-d array."""
        return self.kind in ("float", "scalar", "int") or (self.kind == "nd" and self.shape == ())

    @property
    def float_kind(self) -> bool:
        return self.dtype_kind == "f"


MISSING = Value("")


def value_of(node: Any) -> Value:
    """The typed record of one encoded node (anything the child sent)."""
    if not isinstance(node, dict):
        return MISSING
    raw_shape = node.get("shape")
    items = node.get("items")
    return Value(
        kind=str(node.get("t", "")),
        cls=str(node.get("cls", "")),
        dtype=node["dtype"] if isinstance(node.get("dtype"), str) else "",
        dtype_kind=str(node.get("dtype", ""))[1:2],
        shape=tuple(raw_shape) if isinstance(raw_shape, list) else None,
        length=len(items) if isinstance(items, (list, dict)) else 0,
        described=_describe_safely(node),
    )


def _describe_safely(node: dict) -> str:
    try:
        return describe(node)
    except (TypeError, ValueError):  # a malformed node (a shape that is not a list): say what it claims to be
        return f"object of type {node.get('cls') or node.get('t')}"


UNDECODABLE = {"t": "other", "cls": "undecodable array"}


@dataclass
class Leaf:
    """What the student returned for one named value."""

    name: str
    value: Value = MISSING  # its type, dtype and shape; MISSING when absent
    array: np.ndarray | None = None  # decoded, for numeric nodes
    path: tuple = ()  # how it was reached: ("return", 1, "A1")
    digest: int | None = None  # wire.fingerprint() sent instead of a big array (a repeat call)

    @property
    def present(self) -> bool:
        return self.value is not MISSING

    def same_kind(self, array: np.ndarray) -> bool:
        """Whether this (fingerprinted) value has the dtype and shape of ``array``."""
        return self.value.dtype == array.dtype.str and self.value.shape == tuple(array.shape)


@dataclass
class Problem:
    """A structural problem: the value tree does not fit the template."""

    kind: str  # "wrong-type" | "missing-key"
    target: str  # a leaf name, or the function's name
    message: str
    path: tuple = ()
    suggestion: str | None = None
    leaves: tuple[str, ...] = ()  # leaves that cannot be checked because of it


@dataclass
class Matched:
    leaves: dict[str, Leaf] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def describe(node: dict | None) -> str:
    """A student-facing name for an encoded node's type."""
    if not isinstance(node, dict):
        return "nothing"
    t = node.get("t")
    cls = str(node.get("cls", ""))
    if t in ("nd", "nd-nodata"):
        shown = "np.matrix" if cls.endswith("matrix") else "array" if cls == "numpy.ndarray" else cls
        return f"{shown} of dtype {np.dtype(str(node.get('dtype', 'O'))).name if _dtype_ok(node) else node.get('dtype')} and shape {tuple(node.get('shape', ()))}"
    if t == "scalar":
        return f"numpy scalar {cls.rsplit('.', 1)[-1]}"
    if t in ("tuple", "list"):
        return f"{t} of length {len(node.get('items', []))}"
    if t == "dict":
        keys = list(node.get("items", {}))
        shown = ", ".join(keys[:6]) + (", …" if len(keys) > 6 else "")
        return f"dict with keys {{{shown}}}"
    if t == "none":
        return "None"
    if t == "other":
        return f"object of type {cls}"
    return {"float": "float", "int": "int", "bool": "bool", "str": "str", "complex": "complex"}.get(str(t), str(t))


def _dtype_ok(node: dict) -> bool:
    try:
        np.dtype(str(node.get("dtype")))
        return True
    except TypeError:
        return False


def match(template: Any, node: Any, blobs: list[bytes], function: str) -> Matched:
    out = Matched()
    _match(template, node, blobs, function, ("return",), out)
    return out


def _match(template: Any, node: Any, blobs: list[bytes], function: str, path: tuple, out: Matched) -> None:
    if isinstance(template, str):
        if template == "_" or literal(template) or template in out.leaves:  # the first occurrence is the one checked
            return
        leaf = Leaf(template, value_of(node), path=path)
        if isinstance(node, dict) and node.get("t") == "nd" and "b" not in node and _is_digest(node.get("digest")):
            leaf.digest = int(node["digest"])
        elif isinstance(node, dict) and node.get("t") == "nd":
            try:
                leaf.array = wire.decode_array(node, blobs)
            except wire.WireError:
                leaf.value = value_of(UNDECODABLE)
        elif isinstance(node, dict) and node.get("t") in ("scalar", "float", "int") and isinstance(node.get("v"), float):
            leaf.array = np.array(node["v"])
        out.leaves[template] = leaf
        return
    if isinstance(template, dict):
        if not isinstance(node, dict) or node.get("t") != "dict":
            out.problems.append(
                Problem("wrong-type", function, _should(function, path, "a dict", node),
                        path, leaves=tuple(leaves(template)))  # fmt: skip
            )
            return
        items = node.get("items", {})
        for key, sub in template.items():
            if key in items:
                _match(sub, items[key], blobs, function, path + (key,), out)
                continue
            close = difflib.get_close_matches(key, [k for k in items if k not in template], n=1, cutoff=0.5)
            lower = [k for k in items if k.lower() == key.lower() and k not in template]
            suggestion = (lower or close or [None])[0]
            target = sub if isinstance(sub, str) else function
            msg = f"the dict returned by {function} has no key '{key}'"
            if suggestion:
                msg += f"; it has '{suggestion}' — keys are case-sensitive" if suggestion.lower() == key.lower() else f"; did you mean '{suggestion}'?"
            out.problems.append(Problem("missing-key", target, msg, path + (key,), suggestion, tuple(leaves(sub))))
        return
    # a list template: a tuple (or list) of exactly this length
    if not isinstance(node, dict) or node.get("t") not in ("tuple", "list") or len(node.get("items", [])) != len(template):
        want = f"a tuple of {len(template)} values ({', '.join(_shown_template(t) for t in template)})"
        out.problems.append(
            Problem("wrong-type", function, _should(function, path, want, node),
                    path, leaves=tuple(leaves(template)))  # fmt: skip
        )
        return
    for i, (sub, item) in enumerate(zip(template, node["items"])):
        _match(sub, item, blobs, function, path + (i,), out)


def _is_digest(value: Any) -> bool:
    return type(value) is int and 0 <= value < 1 << 32


def _should(function: str, path: tuple, want: str, node: Any) -> str:
    if len(path) <= 1:
        return f"{function} should return {want}, but it returned {describe(node)}"
    return f"{_where(function, path)} should be {want}, but it is {describe(node)}"


def _where(function: str, path: tuple) -> str:
    """'what backward_propagation returns' or 'value 2 of what forward_propagation returns'."""
    keys = path[1:]
    if not keys:
        return f"the value {function} returns"
    first = keys[0]
    head = f"value {first + 1} of what {function} returns" if isinstance(first, int) else f"'{first}' in what {function} returns"
    return head + "".join(f"[{k!r}]" for k in keys[1:])


def _shown_template(t: Any) -> str:
    if isinstance(t, str):
        return t
    if isinstance(t, dict):
        return "a dict"
    return "a tuple"


def decode_plain(node: Any, blobs: list[bytes]) -> Any:
    """Decode an encoded argument tree (the grader's own, echoed back) for mutation checks."""
    if not isinstance(node, dict):
        return None
    t = node.get("t")
    if t == "same":
        return node
    if t == "nd":
        try:
            return wire.decode_array(node, blobs)
        except wire.WireError:
            return None
    if t == "dict":
        return {k: decode_plain(v, blobs) for k, v in node.get("items", {}).items()}
    if t in ("tuple", "list"):
        return [decode_plain(v, blobs) for v in node.get("items", [])]
    if t in ("float", "int", "scalar"):
        return node.get("v")
    return node
