"""The child's replies, checked before the grader uses any part of them.

The child runs the student's code, so a reply may be forged (a submission can write to the
protocol pipe, or replace the child's own code). Every header is checked here, in the reader
thread, after its JSON is parsed and before its arrays' bytes are read: each field for type,
size, nesting and encoding. What passes is rebuilt from the known fields only, with every
string made encoding-safe (a lone surrogate becomes the text ``\\udc80``), so nothing
downstream meets a list where a dict belongs, a shape of 2**70 or a string no UTF-8 writer
accepts. What does not pass raises ``Malformed`` (the grader reports a protocol failure,
GC006) or ``OverBudget`` (the memory budget below, GC005); never anything else.

The memory budget (docs/hostile.md): the grader accepts, per submission, arrays worth at
most ``memory_mb`` MiB (the child's own cap) counted as the float64 copies the checks make of
them (8 bytes an element, 16 for complex), plus 8 bytes per byte of JSON header (what its
Python objects cost). So one reply cannot make the grader hold more than a small multiple of
what the child itself may hold.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from . import wire

MAX_DEPTH = 40  # nesting of value nodes (the child truncates values 12 levels down)
MAX_NODES = 200_000  # value nodes in one reply (the child encodes at most 20 000 per reply)
MAX_TEXT = 10_000  # characters in one string (the child sends at most 2 000 of a message)
MAX_ITEMS = 100_000  # entries of a list of names (functions a module defines)
MAX_DIMS = 32
MAX_NBYTES = 1 << 62  # elements (zero dimensions aside) × itemsize: what numpy can describe
MAX_DTYPE = 64  # characters of a dtype string
MAX_HEADER = 8 << 20  # bytes of one reply's JSON header (a 20 000-value reply is about 2 MB)
HEADER_COST = 8  # budget bytes charged per byte of JSON header
NODE_KINDS = frozenset(
    {"nd", "nd-nodata", "scalar", "bool", "none", "float", "int", "complex", "str", "dict", "list", "tuple", "other", "truncated", "same"}
)


class Malformed(wire.WireError):
    """A reply that is not what the child sends."""


class OverBudget(wire.WireError):
    """A reply whose arrays would take the grader over its memory budget for the submission."""


class Budget:
    """Bytes the grader has accepted from one submission's replies, against a limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def charge(self, nbytes: int) -> None:
        with self._lock:
            if self.used + nbytes > self.limit:
                raise OverBudget(
                    f"what the submission returned would take the grader over its memory budget for one submission "
                    f"({self.limit >> 20} MiB, the memory cap; {(self.used + nbytes) >> 20} MiB asked)"
                )
            self.used += nbytes


def safe_text(value: str) -> str:
    """``value`` with every lone surrogate written out as ``\\udXXX`` (writable as UTF-8)."""
    if value.isascii():
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


class _Check:
    """One reply's check: the nodes seen, the blobs they name, the budget charged."""

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes
        self.used: set[int] = set()
        self.nodes = 0
        self.cost = 0

    def fail(self, where: str, what: str) -> Malformed:
        return Malformed(f"the process answered with a malformed message: {where} {what}")

    def text(self, value: Any, where: str, limit: int = MAX_TEXT) -> str:
        if type(value) is not str:
            raise self.fail(where, f"must be a string (got {type(value).__name__})")
        if len(value) > limit:
            raise self.fail(where, f"is {len(value)} characters long (at most {limit})")
        return safe_text(value)

    def optional_text(self, value: Any, where: str) -> str | None:
        return None if value is None else self.text(value, where)

    def integer(self, value: Any, where: str, low: int = -(1 << 63), high: int = 1 << 63) -> int:
        if type(value) is not int or not low <= value < high:
            raise self.fail(where, f"must be an integer in [{low}, {high}) (got {_shown(value)})")
        return value

    def number(self, value: Any, where: str) -> float:
        """A JSON number as a float (NaN and infinities included: the checks judge those)."""
        if type(value) is float:
            return value
        if type(value) is int and abs(value) < 1 << 1000:
            return float(value)
        raise self.fail(where, f"must be a number (got {_shown(value)})")

    def optional_number(self, value: Any, where: str) -> float | None:
        return None if value is None else self.number(value, where)

    def names(self, value: Any, where: str) -> list[str]:
        if type(value) is not list or len(value) > MAX_ITEMS:
            raise self.fail(where, f"must be a list of at most {MAX_ITEMS} strings (got {_shown(value)})")
        return [self.text(v, f"{where}[{i}]") for i, v in enumerate(value)]

    def dtype(self, value: Any, where: str) -> np.dtype:
        text = self.text(value, where, MAX_DTYPE)
        try:
            return np.dtype(text)
        except Exception:  # noqa: BLE001 - any refusal by numpy: not a dtype
            raise self.fail(where, f"is not a dtype ({text!r})") from None

    def shape(self, value: Any, where: str, itemsize: int) -> list[int]:
        if type(value) is not list or len(value) > MAX_DIMS:
            raise self.fail(where, f"must be a list of at most {MAX_DIMS} sizes (got {_shown(value)})")
        dims = [self.integer(s, f"{where}[{i}]", 0, MAX_NBYTES) for i, s in enumerate(value)]
        if math.prod(d for d in dims if d) * max(1, itemsize) > MAX_NBYTES:
            raise self.fail(where, f"describes an array no process can hold ({dims})")
        return dims

    def data(self, value: Any, where: str, depth: int = 0) -> Any:
        """Plain JSON data of a field this module does not know: kept, checked and made safe."""
        if depth > 8:
            raise self.fail(where, "nests too deeply")
        if value is None or type(value) in (bool, float):
            return value
        if type(value) is int:
            return self.integer(value, where)
        if type(value) is str:
            return self.text(value, where)
        if type(value) is list and len(value) <= MAX_ITEMS:
            return [self.data(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        if type(value) is dict and len(value) <= MAX_ITEMS:
            return {self.text(k, f"a key of {where}"): self.data(v, f"{where}[{k!r}]", depth + 1) for k, v in value.items()}
        raise self.fail(where, f"is not plain data (got {_shown(value)})")

    # -- value nodes (sandbox/values.py: Values.enc and Values.changed) ---------------------
    def node(self, value: Any, where: str, depth: int = 0) -> dict:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(where, f"is past the {MAX_NODES}th value of one reply")
        if depth > MAX_DEPTH:
            raise self.fail(where, f"nests deeper than {MAX_DEPTH} values")
        if type(value) is not dict:
            raise self.fail(where, f"must be an encoded value (a dict; got {_shown(value)})")
        t = value.get("t")
        if type(t) is not str or t not in NODE_KINDS:
            raise self.fail(where, f"has an unknown kind {_shown(t)}")
        out: dict[str, Any] = {"t": t}
        if "cls" in value:
            out["cls"] = self.text(value["cls"], f"{where}.cls")
        if t in ("nd", "nd-nodata"):
            self._array(value, where, out)
        elif t == "scalar":
            out["dtype"] = self.dtype(value.get("dtype"), f"{where}.dtype").str
            if "v" in value:
                out["v"] = self.optional_number(value["v"], f"{where}.v")
        elif t == "bool":
            if type(value.get("v")) is not bool:
                raise self.fail(f"{where}.v", f"must be true or false (got {_shown(value.get('v'))})")
            out["v"] = value["v"]
        elif t in ("float", "int"):
            out["v"] = self.number(value.get("v"), f"{where}.v") if t == "float" else self.optional_number(value.get("v"), f"{where}.v")
        elif t == "str":
            out["v"] = self.text(value.get("v"), f"{where}.v")
        elif t == "dict":
            items = value.get("items")
            if type(items) is not dict:
                raise self.fail(f"{where}.items", f"must be a dict (got {_shown(items)})")
            out["items"] = {}
            for k, sub in items.items():
                key = self.text(k, f"a key of {where}")
                out["items"].setdefault(key, self.node(sub, f"{where}[{key!r}]", depth + 1))
        elif t in ("list", "tuple"):
            items = value.get("items")
            if type(items) is not list:
                raise self.fail(f"{where}.items", f"must be a list (got {_shown(items)})")
            out["items"] = [self.node(sub, f"{where}[{i}]", depth + 1) for i, sub in enumerate(items)]
        return out

    def _array(self, value: dict, where: str, out: dict) -> None:
        dtype = self.dtype(value.get("dtype"), f"{where}.dtype")
        out["dtype"] = dtype.str
        out["shape"] = shape = self.shape(value.get("shape"), f"{where}.shape", dtype.itemsize)
        if out["t"] == "nd-nodata":
            return
        if dtype.kind not in wire.SAFE_KINDS or dtype.hasobject:
            raise self.fail(f"{where}.dtype", f"is not a numeric dtype ({dtype.str})")
        ways = [k for k in ("b", "sent", "digest") if k in value]
        if len(ways) != 1:
            raise self.fail(where, f"must carry exactly one of its bytes, a name or a fingerprint (got {ways or 'none'})")
        if ways == ["sent"]:
            out["sent"] = self.text(value["sent"], f"{where}.sent", 100)
        elif ways == ["digest"]:
            out["digest"] = self.integer(value["digest"], f"{where}.digest", 0, 1 << 32)
        else:
            b = self.integer(value["b"], f"{where}.b", 0, len(self.sizes))
            if b in self.used:
                raise self.fail(f"{where}.b", f"names bytes another value already names (blob {b})")
            count = math.prod(shape)
            if count * dtype.itemsize != self.sizes[b]:
                raise self.fail(where, f"has {self.sizes[b]} bytes for {count} elements of {dtype.str}")
            self.used.add(b)
            self.cost += count * max(8, 2 * dtype.itemsize if dtype.kind == "c" else dtype.itemsize)
            out["b"] = b


def _shown(value: Any) -> str:
    """A forged value, named without repeating it (it may be huge or unprintable)."""
    if type(value) in (bool, float) or value is None:
        return repr(value)
    if type(value) is int:
        return repr(value) if abs(value) < 1 << 64 else f"an integer of {value.bit_length()} bits"
    return {dict: "a dict", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


_ERROR_TEXT = {"kind": 40, "type": 200, "message": MAX_TEXT}


def _error(c: _Check, value: Any) -> dict:
    if type(value) is not dict:
        raise c.fail("error", f"must be a dict (got {_shown(value)})")
    out: dict[str, Any] = {}
    for key, item in value.items():
        where = f"error.{key}"
        if key in _ERROR_TEXT:
            out[key] = c.text(item, where, _ERROR_TEXT[key])
        elif key == "name":
            out[key] = c.optional_text(item, where)
        elif key in ("line", "offset"):
            out[key] = None if item is None else c.integer(item, where)
        elif key == "frames":
            if type(item) is not list or len(item) > 200:
                raise c.fail(where, f"must be a list of at most 200 frames (got {_shown(item)})")
            out[key] = []
            for i, frame in enumerate(item):
                if type(frame) is not list or len(frame) != 3:
                    raise c.fail(f"{where}[{i}]", "must be [line, function, source]")
                out[key].append([c.integer(frame[0], f"{where}[{i}][0]"), c.text(frame[1], f"{where}[{i}][1]"), c.text(frame[2], f"{where}[{i}][2]")])
        else:
            out[key] = c.data(item, where)
    return out


def check(header: dict, budget: Budget | None = None, header_bytes: int = 0) -> dict:
    """The checked, rebuilt header of one reply (see the module's docstring); charges
    ``budget`` for its arrays and its JSON before their bytes are read."""
    sizes = header.get("blobs", [])  # wire.read_frame checked these: non-negative integers
    c = _Check(sizes)
    if type(header.get("ok")) is not bool:
        raise c.fail("ok", f"must be true or false (got {_shown(header.get('ok'))})")
    out: dict[str, Any] = {"ok": header["ok"], "blobs": sizes}
    for key, value in header.items():
        if key in out:
            continue
        if key == "error":
            out[key] = _error(c, value)
        elif key in ("value", "plus", "minus"):
            out[key] = c.node(value, key)
        elif key == "args_after":
            if type(value) is not list:
                raise c.fail(key, f"must be a list (got {_shown(value)})")
            out[key] = [c.node(v, f"{key}[{i}]") for i, v in enumerate(value)]
        elif key == "locals":
            if type(value) is not dict:
                raise c.fail(key, f"must be a dict (got {_shown(value)})")
            out[key] = {c.text(k, "a local's name"): c.node(v, f"locals[{k!r}]") for k, v in value.items()}
        elif key in ("functions", "provided", "unavailable"):
            out[key] = c.names(value, key)
        elif key in ("elapsed", "seconds", "base"):
            out[key] = c.optional_number(value, key)
        elif key in ("pid", "itemsize", "threads", "running"):
            out[key] = c.integer(value, key, 0, 1 << 31)
        else:
            out[key] = c.data(value, key)
    if len(c.used) != len(sizes):
        raise c.fail("blobs", f"lists {len(sizes)} arrays' bytes, but {len(c.used)} values name them")
    if budget is not None:
        budget.charge(c.cost + HEADER_COST * header_bytes)
    return out
