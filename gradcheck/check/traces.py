"""The lines that wrote each value of one traced call (sandbox/tracing.py), checked.

The child's answer is untrusted data: every path, line and name is validated here, and what
does not fit (a line outside the file, a path that is not a list of keys) is dropped, never
believed. A dropped trace only means the judge falls back to reading the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_ENTRIES = 2048

Path = tuple
Written = tuple[int, int | None]  # (line in the graded function, line in the helper it called)


@dataclass(frozen=True)
class Trace:
    """One graded call run again under the tracer."""

    function: str
    trial: int
    values: dict[Path, Written] = field(default_factory=dict)  # ("return", 1, "dW1") / ("locals", "dZ")
    names: dict[str, tuple[int, ...]] = field(default_factory=dict)  # local -> the lines that wrote it, in order
    lines: frozenset[int] = frozenset()  # lines of the graded function that ran
    args: dict[Path, Written] = field(default_factory=dict)  # ("args", 0) -> where an input was written into
    ran: frozenset[int] = frozenset()  # lines that ran in any function of the file during the call
    stores: dict[Path, int] = field(default_factory=dict)  # ("return", "dA2") -> the line that stored it there (grads[k] = v)

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
                 _written(raw.get("args"), nlines), _lines(raw.get("ran"), nlines), _stores(raw.get("stores"), nlines))  # fmt: skip


def _stores(raw: Any, nlines: int) -> dict[Path, int]:
    out: dict[Path, int] = {}
    for item in raw[:MAX_ENTRIES] if type(raw) is list else []:
        if type(item) is list and len(item) == 2:
            path, line = _path(item[0]), _line(item[1], nlines)
            if path is not None and path[0] == "return" and len(path) > 1 and line is not None:
                out[path] = line
    return out


def _lines(raw: Any, nlines: int) -> frozenset[int]:
    if type(raw) is not list:
        return frozenset()
    return frozenset(n for n in (_line(x, nlines) for x in raw[:MAX_ENTRIES]) if n is not None)


def worth_tracing(result, rtol_for) -> bool:
    """Whether a call looks wrong (it raised, changed an input, or a value is off): the one a
    finding will explain. ``rtol_for(array)``: the spec's tolerance. A cheap screen, not a verdict."""
    from .compare import close

    if result.failure is not None:
        return result.failure.kind in ("exception", "name", "recursion")  # a timeout is not run again
    if result.mutated or result.matched is None or result.matched.problems:
        return True
    env = result.trial.env
    for name, leaf in [*result.matched.leaves.items(), *result.locals.items()]:
        if name in env and leaf.array is None:
            return True  # missing, or not a number
        if name in env:
            try:
                if not close(leaf.array, env[name], rtol_for(leaf.array)):
                    return True
            except (TypeError, ValueError):
                return True
    return False


def run(sandbox, result, args: list, call: str, nlines: int) -> Trace | None:
    """Run the call again in the child under the tracer; None when no usable trace came back."""
    reply = sandbox.trace(call, args)
    if not reply.ok:
        return None
    return parse(reply.header.get("trace"), result.function, result.trial.index, nlines)
