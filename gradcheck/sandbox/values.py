"""The child's side of the values: what the student's code returned, encoded as data for
the grader (hostile objects: type(), never isinstance or ``__class__``), what the grader
sent, decoded for the student's code, and big inputs lent read-only instead of copied.

Loaded by path by child.py (like wire.py and pipeline.py): it never imports gradcheck, and
needs nothing but numpy, which the child hands it.
"""

from __future__ import annotations

MAX_NODES = 20_000
MAX_DEPTH = 12
MAX_BYTES = 1 << 30


class Budget:
    """What one reply has encoded so far: nodes and array bytes."""

    def __init__(self) -> None:
        self.nodes = 0
        self.bytes = 0


def _cls(obj) -> str:
    t = type(obj)
    return f"{t.__module__}.{t.__qualname__}"


def equal_bits(a, b) -> bool:
    """Same dtype, shape and bytes, by the C methods of two plain arrays: numpy's Python-level
    helpers (array_equal, ndarray.all) are the submission's to patch. A NaN left alone is unchanged."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def setup(self, np, wire) -> None:
    """A Values' state (also a child's, whose class is sealed away: sealing.py)."""
    self.np = np
    self.ndarray = np.ndarray
    self.generic = np.generic
    self.ascontiguous = np.ascontiguousarray
    self.wire = wire
    self.store: dict = {}  # arrays the grader sent with a key, for later references
    self.kept: dict = {}  # what graded functions returned, by entry, for later calls (their caches)
    self._argkeys: dict = {}  # id(argument array) -> (store key, the argument) during one call
    self._digest = False  # the current reply sends big arrays as fingerprints (a determinism repeat)
    self._fresh: dict = {}  # store key -> the frame's blob list it was last decoded from
    self._equal: dict = {}  # (memory, layout) of two arrays -> equal, while one reply is encoded
    self._lent: list = []  # read-only views of store arrays lent to the current call
    self._tampered = False  # a lent array was made writable during the call


class Values:
    """Encoding, decoding and lending, with the state they share across one child's calls."""

    def __init__(self, np, wire) -> None:
        setup(self, np, wire)

    # -- encoding what the student returned (hostile objects) --------------------
    def _named(self, v, base, node: dict, path: tuple) -> bool:
        """Name instead of send: an unchanged argument the grader sent with a key (a cache that
        holds X). The grader substitutes its own copy of exactly those bytes."""
        if base.nbytes < 1 << 16:
            return False
        hit = self._argkeys.get(id(v))
        if hit is not None and hit[1] is v:
            key = hit[0]
            ref = self.store.get(key)
            if ref is not None and self._same(ref, base):
                node["sent"] = key
                return True
        return False

    def enc(self, v, blobs: list, budget: Budget, depth: int = 0, path: tuple = ()):
        budget.nodes += 1
        if budget.nodes > MAX_NODES or depth > MAX_DEPTH:
            return {"t": "truncated"}
        t = type(v)  # type(), not isinstance: __class__ can lie
        if issubclass(t, self.ndarray):
            base = self.ndarray.view(v, self.ndarray)
            node = {"t": "nd", "cls": _cls(v), "dtype": base.dtype.str, "shape": list(base.shape)}
            if base.dtype.hasobject or base.dtype.kind not in "fiubc":
                node["t"] = "nd-nodata"
                return node
            if self._named(v, base, node, path):
                return node
            if self._digest and base.nbytes >= 1 << 16:
                node["digest"] = self.wire.fingerprint(base)
                return node
            if budget.bytes + base.nbytes > MAX_BYTES:
                node["t"] = "nd-nodata"
                return node
            budget.bytes += base.nbytes
            flat = self.ascontiguous(base)
            # Sent straight from the array's memory: the frame is written before the student's
            # code runs again. Small arrays are copied (fewer, larger writes).
            blobs.append(memoryview(flat.reshape(-1).view(self.np.uint8)) if flat.nbytes >= 1 << 16 else self.ndarray.tobytes(flat))
            node["b"] = len(blobs) - 1
            return node
        if issubclass(t, self.generic):
            kind = self.np.dtype(t).kind
            node = {"t": "scalar", "cls": _cls(v), "dtype": self.np.dtype(t).str}
            if kind in "fiub":
                node["v"] = float(self.np.float64(v))
            elif kind == "c":
                node["v"] = None
            return node
        if t is bool:
            return {"t": "bool", "v": bool(v)}
        if t is None.__class__:
            return {"t": "none"}
        if issubclass(t, float):
            return {"t": "float", "cls": _cls(v), "v": float.__float__(v)}
        if issubclass(t, int):
            return {"t": "int", "cls": _cls(v), "v": float(int.__int__(v)) if abs(int.__int__(v)) < 1e300 else None}
        if issubclass(t, complex):
            return {"t": "complex", "cls": _cls(v)}
        if issubclass(t, str):
            return {"t": "str", "v": str.__str__(v)[:200]}
        if issubclass(t, dict):
            items = {}
            for i, (k, x) in enumerate(list(dict.items(v))[:1000]):
                # a key that is not a string is named by its type and position: one per item, so
                # a cache keyed by time step (cache[t]) keeps every step's arrays apart
                key = k if type(k) is str else f"<{_cls(k)} #{i}>"
                while key in items:
                    key += "'"
                items[key] = self.enc(x, blobs, budget, depth + 1, path + (key,))
            return {"t": "dict", "cls": _cls(v), "items": items}
        if issubclass(t, (list, tuple)):
            base = list if issubclass(t, list) else tuple
            n = min(base.__len__(v), 1000)
            items = [self.enc(base.__getitem__(v, i), blobs, budget, depth + 1, path + (i,)) for i in range(n)]
            return {"t": "list" if base is list else "tuple", "cls": _cls(v), "items": items}
        return {"t": "other", "cls": _cls(v)}

    def _same(self, a, b) -> bool:
        """Equal arrays (same dtype, shape, values); each pair compared once per reply (a
        cache's X is checked for being unchanged and for being the grader's own X)."""
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        ia, ib = a.__array_interface__, b.__array_interface__
        if ia["data"][0] == ib["data"][0] and a.strides == b.strides and not a.flags.writeable and not b.flags.writeable:
            return not self._tampered  # one read-only memory read the same way: lent, and the call could not write it
        key = (ia["data"][0], ib["data"][0], a.shape, a.strides, b.strides, a.dtype.str)  # the same memory, read the same way
        if key not in self._equal:
            self._equal[key] = equal_bits(a, b)
        return self._equal[key]

    def changed(self, before, after, blobs: list, budget: Budget):
        """``{"t": "same"}`` for parts the call left alone; the new value for parts it changed.

        Sending only changes keeps big inputs (a 20 MB X) from travelling back after every call.
        """
        nd = self.ndarray
        if type(before) is nd and type(after) is nd:
            if self._same(nd.view(before, nd), nd.view(after, nd)) if before.nbytes >= 1 << 16 else equal_bits(before, after):
                return {"t": "same"}
            return self.enc(after, blobs, budget)
        if type(before) is dict and type(after) is dict and dict.keys(before) == dict.keys(after):
            return {"t": "dict", "cls": "builtins.dict", "items": {k: self.changed(before[k], dict.__getitem__(after, k), blobs, budget) for k in before}}
        if type(before) in (list, tuple) and type(after) is type(before) and len(before) == len(after):
            items = [self.changed(b, a, blobs, budget) for b, a in zip(before, after)]
            return {"t": "list" if type(before) is list else "tuple", "cls": "builtins." + type(before).__name__, "items": items}
        if type(before) is type(after) and type(before) in (str, int, float) and before == after:
            return {"t": "same"}
        return self.enc(after, blobs, budget)

    # -- decoding what the grader sent --------------------------------------------
    def dec(self, node, blobs, shared: bool = False, lend: bool = False):
        """What the grader sent, as the student's code gets it: every array a fresh copy.
        ``shared``: no copies (views of the frame's buffer, the store's own arrays), for
        comparing against after a call; never handed to the student's code. ``lend``: a big
        (keyed) array as a read-only view of the store's copy instead (see op_call)."""
        t = node["t"]
        if t == "nd":
            if "k" in node:
                if node["k"] not in self.store or self._fresh.get(node["k"]) is not blobs:
                    # The frame's own buffer, kept: nothing else decodes that blob. Read-only:
                    # the student's code gets copies, or read-only views when lent.
                    stored = self.wire.decode_array(node, blobs)
                    for part in self._memory(stored):
                        part.flags.writeable = False
                    self.store[node["k"]] = stored
                    self._fresh[node["k"]] = blobs  # decoded from this frame: a second decode can copy the store
                return self._stored(node["k"], shared, lend)
            if shared:
                return self.wire.decode_array(node, blobs)
            return self.np.array(self.wire.decode_array(node, blobs), copy=True)  # never share a frame's buffer
        if t == "ref":
            return self._stored(node["k"], shared, lend)
        if t == "sref":
            entry = node["fn"]
            if entry not in self.kept:
                raise RuntimeError(f"gradcheck could not pass the value returned by {entry}: that call did not return one")
            value = self.kept[entry]
            try:
                for i in node.get("path", []):
                    value = value[i]
            except Exception:
                raise RuntimeError(f"gradcheck could not take part {node.get('path')} of what {entry} returned") from None
            return value
        if t == "dict":
            return {k: self.dec(x, blobs, shared, lend) for k, x in node["items"].items()}
        if t in ("list", "tuple"):
            items = [self.dec(x, blobs, shared, lend) for x in node["items"]]
            return tuple(items) if t == "tuple" else items
        if t == "float":
            return float(node["v"])
        if t == "int":
            return int(node["v"])
        if t == "str":
            return str(node["v"])
        raise ValueError(f"cannot decode {t}")

    def _memory(self, a) -> list:
        """An array and every array its memory is reached through (bases, and the buffer a
        frame was read into): a lent array is read-only only while all of them are."""
        chain = []
        while len(chain) < 8:
            if type(a) is memoryview:
                a = a.obj
            elif isinstance(a, self.ndarray):
                chain.append(a)
                a = a.base
            else:
                break
        return chain

    def _stored(self, key, shared: bool, lend: bool):
        stored = self.store[key]
        if shared:
            return stored
        if lend:
            view = stored.view()  # read-only, like its base
            self._lent.append(view)
            return view
        return stored.copy()  # every call gets its own copy

    # -- lending big inputs read-only -------------------------------------------------
    def _check_lent(self) -> None:
        """A lent array (or memory it is reached through) turned writable during the call:
        nothing about it can be vouched for. (Writes that ignore the flag, such as numpy's
        ufunc.at, are not seen: docs/hostile.md.)"""
        for part in (part for view in self._lent for part in self._memory(view)):
            if part.flags.writeable:
                self._tampered = True
                try:
                    part.flags.writeable = False
                except ValueError:
                    pass

    def _store_memory(self) -> set:
        """The ids of the store's arrays and of every array their memory is reached through."""
        return {id(part) for stored in self.store.values() for part in self._memory(stored)}

    def _on_store(self, a, store: set) -> bool:
        return any(id(part) in store for part in self._memory(a))

    def _holds_lent(self, value, store: set, depth: int = 0) -> bool:
        """Whether ``value`` reaches a store array's memory (lent now, or kept from a call it was lent to)."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(value, self.ndarray):
            return self._on_store(value, store)
        if type(value) is dict:
            return any(self._holds_lent(v, store, depth + 1) for v in value.values())
        if isinstance(value, (list, tuple)):
            return any(self._holds_lent(v, store, depth + 1) for v in value)
        return False

    def _writable(self, value, store: set, depth: int = 0):
        """``value`` with each array on a store array's memory replaced by a copy (lists,
        tuples and named tuples rebuilt; other objects as they are)."""
        if depth > MAX_DEPTH:
            return value
        if isinstance(value, self.ndarray):
            return value.copy() if self._on_store(value, store) else value
        if type(value) is dict:
            return {k: self._writable(v, store, depth + 1) for k, v in value.items()}
        t = type(value)
        if t in (list, tuple):
            return t(self._writable(v, store, depth + 1) for v in value)
        if isinstance(value, tuple) and hasattr(t, "_fields"):  # a named tuple
            try:
                return t(*(self._writable(v, store, depth + 1) for v in value))
            except Exception:  # noqa: BLE001 - a tuple subclass that builds differently: as it is
                return value
        return value

    def _note_args(self, node, arg) -> None:
        """Remember which argument arrays came from keyed (grader-held) arrays."""
        if not isinstance(node, dict):
            return
        t = node.get("t")
        if t in ("nd", "ref") and "k" in node and type(arg) is self.ndarray:
            self._argkeys[id(arg)] = (node["k"], arg)
        elif t == "dict" and type(arg) is dict:
            for k, sub in node.get("items", {}).items():
                if k in arg:
                    self._note_args(sub, arg[k])
        elif t in ("list", "tuple") and type(arg) in (list, tuple):
            for sub, a in zip(node.get("items", []), arg):
                self._note_args(sub, a)
