"""The lines that wrote each value of one traced call (sandbox/tracing.py), checked.

The child's answer is untrusted data: every path, line and name is validated here, and what
does not fit (a line outside the file, a path that is not a list of keys) is dropped, never
believed. A dropped trace only means the judge falls back to reading the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .extra import dropout_inputs
from .stats import dropout_stats

MAX_ENTRIES = 2048

Path = tuple
Written = tuple[int, int | None]  # (line in the graded function, line in the helper it called)


@dataclass(frozen=True)
class Structure:
    """What a value was, without its contents (sandbox/tracing.describe, checked)."""

    type: str  # the type's name: list, tuple, dict, ndarray, float, NoneType, …
    length: int | None = None
    shape: tuple[int, ...] | None = None
    items: tuple[Structure, ...] = ()  # the first few items of a list, tuple or dict


@dataclass(frozen=True)
class RaisedFrame:
    """A frame of the file that the exception of a traced call left, with its arguments' structure."""

    function: str
    line: int
    args: tuple[tuple[str, Structure], ...] = ()


@dataclass(frozen=True)
class Trace:
    """One graded call run again under the tracer."""

    function: str
    trial: int
    values: dict[Path, Written] = field(default_factory=dict)  # ("return", 1, "dW1") / ("locals", "dZ") / ("args", 3, "running_mean")
    names: dict[str, tuple[int, ...]] = field(default_factory=dict)  # local -> the lines that wrote it, in order
    lines: frozenset[int] = frozenset()  # lines of the graded function that ran
    args: dict[Path, Written] = field(default_factory=dict)  # ("args", 0) -> where an input was written into
    ran: frozenset[int] = frozenset()  # lines that ran in any function of the file during the call
    raised: tuple[RaisedFrame, ...] = ()  # when the call raised: the frames of the file, outermost first
    # ("return", "dA2") / ("args", 3, "running_mean") -> the line that stored it there (grads[k] = v)
    stores: dict[Path, int] = field(default_factory=dict)
    origins: dict[Path, int] = field(default_factory=dict)  # a value written in place later: the line that made it
    reborn: frozenset[int] = frozenset()  # lines of the graded function that made a new object more than once (in a loop)
    ints: dict[str, int] = field(default_factory=dict)  # integer locals when the call returned (m, a size it computed)
    sums: dict[str, tuple[int, float, float]] = field(default_factory=dict)  # float-array locals then: (size, Σ|v|, Σv²)
    returned: int | None = None  # the line it returned from

    def value(self, path: Path) -> Written | None:
        return self.values.get(tuple(path))

    def local(self, name: str) -> Written | None:
        return self.values.get(("locals", name))


def _line(value: Any, nlines: int) -> int | None:
    return value if type(value) is int and 1 <= value <= nlines else None


def _path(value: Any) -> Path | None:
    if type(value) is not list or not value or len(value) > 8 or value[0] not in ("return", "locals", "args"):
        return None
    if not all(type(k) in (str, int) for k in value):
        return None
    return tuple(value)


def _written(raw: Any, nlines: int) -> dict[Path, Written]:
    out: dict[Path, Written] = {}
    for item in raw[:MAX_ENTRIES] if type(raw) is list else []:
        if type(item) is not list or len(item) != 3:
            continue
        path, line = _path(item[0]), _line(item[1], nlines)
        if path is None or line is None:
            continue
        out[path] = (line, _line(item[2], nlines))
    return out


def parse(raw: Any, function: str, trial: int, nlines: int) -> Trace | None:
    """The trace in a reply's ``trace`` field, or None when it is not one."""
    if type(raw) is not dict:
        return None
    names: dict[str, tuple[int, ...]] = {}
    raw_names = raw.get("names")
    for name, lines in list(raw_names.items())[:MAX_ENTRIES] if type(raw_names) is dict else []:
        if type(name) is str and name.isidentifier() and type(lines) is list:
            kept = tuple(n for n in (_line(x, nlines) for x in lines[:16]) if n is not None)
            if kept:
                names[name] = kept
    return Trace(function, trial, _written(raw.get("values"), nlines), names, _lines(raw.get("lines"), nlines),
                 _written(raw.get("args"), nlines), _lines(raw.get("ran"), nlines), raised=_raised(raw.get("raised"), nlines),
                 stores=_path_lines(raw.get("stores"), nlines, ("return", "args"), 2), origins=_path_lines(raw.get("origins"), nlines),
                 reborn=_lines(raw.get("reborn"), nlines), ints=_ints(raw.get("ints")), sums=_sums(raw.get("sums")),
                 returned=_line(raw.get("returned"), nlines))  # fmt: skip


def structure(raw: Any, depth: int = 0) -> Structure | None:
    """A checked ``Structure``; None when ``raw`` is not one."""
    if type(raw) is not dict or depth > 3:
        return None
    kind, length, shape, items = raw.get("type"), raw.get("len"), raw.get("shape"), raw.get("items")
    if type(kind) is not str or not kind.isidentifier() or len(kind) > 40:
        return None
    if length is not None and not (type(length) is int and 0 <= length < 1 << 40):
        return None
    if shape is not None and not (type(shape) is list and len(shape) <= 8 and all(type(n) is int and 0 <= n < 1 << 40 for n in shape)):
        return None
    inner = [structure(x, depth + 1) for x in items[:4]] if type(items) is list else []
    if any(x is None for x in inner):
        return None
    return Structure(kind, length, tuple(shape) if shape is not None else None, tuple(x for x in inner if x is not None))


def _raised(raw: Any, nlines: int) -> tuple[RaisedFrame, ...]:
    out: list[RaisedFrame] = []
    for item in raw[:20] if type(raw) is list else []:
        if type(item) is not list or len(item) != 3 or type(item[0]) is not str or not item[0].isidentifier():
            return ()  # one bad frame and the chain cannot be read in order
        line = _line(item[1], nlines)
        args = []
        for pair in item[2][:8] if type(item[2]) is list else []:
            shaped = structure(pair[1]) if type(pair) is list and len(pair) == 2 else None
            if shaped is not None and type(pair[0]) is str and pair[0].isidentifier():
                args.append((pair[0], shaped))
        if line is None:
            return ()
        out.append(RaisedFrame(item[0], line, tuple(args)))
    return tuple(out)


def _path_lines(raw: Any, nlines: int, roots: tuple[str, ...] = ("return", "locals", "args"), shortest: int = 1) -> dict[Path, int]:
    """[[path, line]] pairs, checked: paths from ``roots`` of at least ``shortest`` keys."""
    out: dict[Path, int] = {}
    for item in raw[:MAX_ENTRIES] if type(raw) is list else []:
        if type(item) is list and len(item) == 2:
            path, line = _path(item[0]), _line(item[1], nlines)
            if path is not None and path[0] in roots and len(path) >= shortest and line is not None:
                out[path] = line
    return out


def _ints(raw: Any) -> dict[str, int]:
    items = list(raw.items())[:MAX_ENTRIES] if type(raw) is dict else []
    return {k: v for k, v in items if type(k) is str and k.isidentifier() and type(v) is int and -(2**53) < v < 2**53}


def _sums(raw: Any) -> dict[str, tuple[int, float, float]]:
    out: dict[str, tuple[int, float, float]] = {}
    for k, v in list(raw.items())[:MAX_ENTRIES] if type(raw) is dict else []:
        shaped = type(k) is str and k.isidentifier() and type(v) is list and len(v) == 3 and type(v[0]) is int and v[0] > 0
        if shaped and all(type(x) is float and np.isfinite(x) and x >= 0 for x in v[1:]):
            out[k] = (v[0], v[1], v[2])
    return out


def _lines(raw: Any, nlines: int) -> frozenset[int]:
    if type(raw) is not list:
        return frozenset()
    return frozenset(n for n in (_line(x, nlines) for x in raw[:MAX_ENTRIES]) if n is not None)


def worth_tracing(result, rtol_for, free: tuple[str, ...] = ()) -> bool:
    """Whether a call looks wrong (it raised, changed an input, or a value is off): the one a
    finding will explain. ``rtol_for(array)``: the spec's tolerance; ``free``: values the student
    chooses (a dropout mask may be ints). A cheap screen, not a verdict."""
    if result.failure is not None:
        return result.failure.kind in ("exception", "name", "recursion")  # a timeout is not run again
    if result.mutated or result.matched is None or result.matched.problems:
        return True
    env = result.trial.env
    if any(_not_float(leaf, env.get(name)) for name, leaf in result.matched.leaves.items() if name not in free):
        return True  # True for a difference, an int for a cost: the judge's wrong type
    return _off([*result.matched.leaves.items(), *result.locals.items()], env, rtol_for)


def _not_float(leaf, ref) -> bool:
    """A float was expected and another kind of value came back."""
    if not isinstance(ref, (np.ndarray, float, np.floating)) or np.asarray(ref).dtype.kind != "f" or not leaf.present:
        return False
    v = leaf.value
    return not (v.kind == "float" or (v.kind in ("scalar", "nd") and v.float_kind))


def _off(pairs: list, env: dict, rtol_for) -> bool:
    """Whether a named value is missing, not a number, or not close to the reference."""
    from .compare import close

    for name, leaf in pairs:
        if name in env and leaf.array is None:
            return True  # missing, or not a number
        if name in env:
            try:
                if not close(leaf.array, env[name], rtol_for(leaf.array)):
                    return True
            except (TypeError, ValueError):
                return True
    return False


def check_looks_wrong(call, check, rtol_for) -> bool:
    """The same screen for a call of a function's ``checks:`` (check/extra.py): it raised, a
    value differs from the reference, or its dropout mask fails its statistics."""
    if call.failure is not None:
        return call.failure.kind in ("exception", "name", "recursion")
    for matched in (call.returned, call.after):
        if matched is not None and (matched.problems or _off(list(matched.leaves.items()), call.trial.env, rtol_for)):
            return True
    if check.dropout is not None:
        if call.bound is None or call.bound.problems:
            return True
        out, x, keep = dropout_inputs(call, check.dropout)
        if not isinstance(out, np.ndarray) or x is None or np.broadcast_shapes(x.shape, out.shape) != out.shape:
            return True
        s = dropout_stats(out, x, keep, check.dropout.axes)
        return not (s.one_value and all(a.ok for a in s.axes) and s.kept_ok and s.mean_ok)
    return False


def run(sandbox, result, args: list, call: str, nlines: int) -> Trace | None:
    """Run the call again in the child under the tracer; None when no usable trace came back."""
    reply = sandbox.trace(call, args)
    if not reply.ok:
        return None
    return parse(reply.header.get("trace"), result.function, result.trial.index, nlines)
