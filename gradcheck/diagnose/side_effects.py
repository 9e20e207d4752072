"""Side effects: a function that changes its inputs in place (GC107), answers differently when
called again with the same inputs (GC106), or returns with a thread it started still running (GC108)."""

from __future__ import annotations

import numpy as np

from ..check.compare import same_memory
from ..check.engine import CallResult
from ..sandbox import wire
from ..spec.model import FunctionSpec
from . import problems as P
from .case import FIRST, Case, Rank
from .source_lines import mutation_line, random_call, thread_start


def mutated(case: Case, fi: int, f: FunctionSpec, calls: list[CallResult]) -> tuple[str, ...]:
    """The inputs ``f`` changed in place, by the student's names (recorded as a problem)."""
    names = tuple(sorted({n for c in calls for n in c.mutated}))
    if names:
        shown = tuple(dict.fromkeys(case.spec.shown(n) for n in names))  # the student's names (dout, not drout)
        where = case.loc(mutation_line(case.obs.source, f.call, list(shown), case.obs.traces.get(f.name)))
        case.emit((fi, FIRST), P.Mutated(target=f.call, where=where, call=f.call, names=shown))
        return shown
    return names


def changed_on_repeat(case: Case, fi: int, f: FunctionSpec, calls: list[CallResult]) -> tuple[str, ...]:
    """The values that differ when ``f`` is called again with trial 1's inputs (recorded as a problem)."""
    again = case.obs.repeats.get(f.name)
    first = next((c for c in calls if c.trial.index == 0), None)
    if again is None or first is None or again.matched is None or first.matched is None:
        return ()
    differs: list[str] = []
    for n, leaf in first.matched.leaves.items():
        other = again.matched.leaves.get(n)
        a, b = leaf.array, other.array if other else None
        if a is not None and other is not None and other.digest is not None:  # sent as a fingerprint of its bytes
            if not other.same_kind(a) or wire.fingerprint(a) != other.digest:
                differs.append(case.spec.shown(n))
        elif a is not None and b is not None and a.shape == b.shape and not same_memory(a, b) and not np.array_equal(a, b, equal_nan=True):
            differs.append(case.spec.shown(n))
    if differs:
        named = next(n for n in first.matched.leaves if case.spec.shown(n) == differs[0])
        where = case.loc(random_call(case.obs.source, f.call) or case.span_for(f, named, calls))
        case.emit((fi, FIRST), P.Nondeterministic(target=differs[0], where=where, call=f.call, names=tuple(differs)))
    return tuple(differs)


def left_running(case: Case, fi: int, f: FunctionSpec, calls: list[CallResult]) -> str:
    """"call" when a call of ``f`` (its determinism repeat too) returned with threads it started
    still running, "elsewhere" when threads no call started (between calls) still ran (each
    recorded as a problem); "import" when the import left one running (recorded once, by
    ``import_left_running``): then no call of the file can be vouched for; else ""."""
    every = [*calls, *([again] if (again := case.obs.repeats.get(f.name)) is not None else [])]
    threads = max((c.threads for c in every), default=0)
    # Threads no call started (between calls: a finalizer the child's bookkeeping set off) fail
    # every call they outlive; those a flagged call started are that call's finding alone.
    others = max((c.running for c in every), default=0) - case.obs.import_threads
    others = 0 if any(c.threads for c in [*case.obs.calls.values(), *case.obs.repeats.values()]) else others
    if threads or others > 0:
        where = case.loc(thread_start(case.obs.source, f.call if threads else None))
        case.emit((fi, FIRST), P.ThreadLeftRunning(target=f.call, where=where, call=f.call, threads=threads or others, own=bool(threads)))
        return "call" if threads else "elsewhere"
    return "import" if case.obs.import_threads else ""


def import_left_running(case: Case, rank: Rank) -> None:
    """The import returned with threads it started still running (GC108, once)."""
    if case.obs.import_threads:
        where = case.loc(thread_start(case.obs.source, None))
        case.emit(rank, P.ThreadLeftRunning(target="submission", where=where, call=None, threads=case.obs.import_threads))
