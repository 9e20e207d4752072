"""Trials drawn once per process: the same spec, seed and sizes give the same arrays, so a
second grade (a batch's next student, a notebook re-running %gradcheck, a fix's re-grade,
a warm worker's next check) borrows them instead of drawing 20 MB of normals again.

Every array lent is read-only (``freeze``): an in-place write by the grader raises instead
of leaking into the next check. The child always receives copies (the wire), so what the
submission does to its arguments never reaches them either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .background import Background

BUDGET = 256 << 20  # bytes of arrays kept; the newest entry is always kept


@dataclass(frozen=True)
class Drawn:
    """One trial as drawn: its sizes, its values (the inputs alone while ``pending`` computes
    the reference), and a depth probe's own spec."""

    dims: dict[str, int]
    env: dict[str, Any]
    pending: Background | None = None
    spec: Any = None


_KEPT: OrderedDict[tuple, list[Drawn]] = OrderedDict()
_LOCK = threading.Lock()


def freeze(env: dict[str, Any]) -> dict[str, Any]:
    """Every array of ``env`` made read-only (in place); returns ``env``."""
    for value in env.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return env


def key(spec, seed: int, probes: list, depth: list, background: bool) -> tuple | None:
    """What the drawn values depend on: the spec's text as written out (its depth, its version
    and options), the seed and each trial's fixed sizes; and whether the reference is computed
    in the background (the engine's call order follows it: a borrowed trial keeps its draw's).
    None for a spec without text (built in code): never kept."""
    if not spec.text:
        return None
    fixed = tuple(None if p is None else (tuple(sorted(p.dims.items())), p.depth) for p in [*probes, *depth])
    return (spec.text, spec.depth, spec.variant, str(spec.path), seed, fixed, background)


def get(k: tuple | None) -> list[Drawn] | None:
    if k is None:
        return None
    with _LOCK:
        found = _KEPT.get(k)
        if found is not None and any(_failed(d) for d in found):
            del _KEPT[k]  # its reference raised: drawn again, and raising again, by the caller
            return None
        if found is not None:
            _KEPT.move_to_end(k)
        return found


def put(k: tuple | None, trials: list[Drawn]) -> None:
    if k is None:
        return
    with _LOCK:
        _KEPT[k] = trials
        _KEPT.move_to_end(k)
        while len(_KEPT) > 1 and sum(_bytes(v) for v in _KEPT.values()) > BUDGET:
            _KEPT.popitem(last=False)


def clear() -> None:
    with _LOCK:
        _KEPT.clear()


def _failed(d: Drawn) -> bool:
    return d.pending is not None and d.pending.failed()


def _bytes(trials: list[Drawn]) -> int:
    arrays = {id(v): v.nbytes for d in trials for v in d.env.values() if isinstance(v, np.ndarray)}
    for d in trials:
        if d.pending is not None and d.pending.done() and not d.pending.failed():
            arrays.update({id(v): v.nbytes for v in d.pending.get().values() if isinstance(v, np.ndarray)})
    return sum(arrays.values())
