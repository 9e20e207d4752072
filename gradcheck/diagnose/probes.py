"""Size probes: code right at the assignment's sizes only by accident (GC401). A probe trial has
other sizes (more output units) or another number of layers; a function that passed its own
trials is run there too."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..check.compare import compare
from ..check.engine import CallResult
from ..check.trials import Trial
from ..spec.model import FunctionSpec
from . import locate
from . import problems as P
from .case import PROBES, Case
from .explain_value import explain
from .source_lines import assigned_at, source_line


def _sizes(t: Trial) -> str:
    if t.probe.depth is not None:
        return f"L = {t.probe.depth} layers ({', '.join(f'{k}={v}' for k, v in t.dims.items())})"
    return ", ".join(f"{k}={v}" for k, v in t.probe.dims.items())


def probes(case: Case, fi: int, f: FunctionSpec) -> None:
    """One GC401 per probe trial where ``f`` raises, stops early or gives a wrong value."""
    for t in case.obs.trials:
        if t.probe is None or f.name not in t.probe.functions:
            continue
        c = case.obs.calls.get((f.name, t.index))
        if c is None:
            continue
        common = {"call": f.call, "sizes": _sizes(t), "depth": t.probe.depth, "spec_depth": case.spec.depth}
        if c.failure is not None:
            case.emit((fi, PROBES), _raised(case, f, c, common))
        elif c.matched is None:
            continue
        elif t.probe.depth is not None and c.matched.problems:  # a key such as dW4 missing: the loop stops early
            where = case.function_loc(f.call)
            case.emit((fi, PROBES), P.FragileIncomplete(target=f.call, where=where, account=c.matched.problems[0].message, **common))
        else:
            wrong = _first_wrong(case, f, t, c, common)
            if wrong is not None:
                case.emit((fi, PROBES + case.place(wrong.name)), wrong.problem)


def _raised(case: Case, f: FunctionSpec, c: CallResult, common: dict) -> P.FragileRaised:
    """The probe raised: on the line of a value of the spec, that value is the target."""
    failure = c.failure
    target, matmul, span = f.name, False, None
    line = failure.frames[-1][0] if failure.frames else None
    if isinstance(line, int):
        name = assigned_at(case.obs.source, f.call, line)
        span = locate.Span(line, line)
        if name in case.formula_names:
            target = name
            formula = case.spec.formula_for(name)
            matmul = (
                "broadcast" in failure.message and formula is not None and "@" in formula.text and "*" in source_line(case.obs.source, line)
            )
    named = target != f.name
    return P.FragileRaised(
        target=case.spec.shown(target) if named else f.call,
        where=case.loc(span),
        tags=("matmul-vs-elementwise",) if matmul else (),
        formula=case.formula_text(target) if named else None,
        error_type=failure.type,
        error=failure.message,
        matmul=matmul,
        **common,
    )


class _Wrong(NamedTuple):
    name: str
    problem: P.FragileValue


def _first_wrong(case: Case, f: FunctionSpec, t: Trial, c: CallResult, common: dict) -> _Wrong | None:
    """The first value of the probe that differs from the reference."""
    spec = case.spec
    spec_t = t.spec or spec
    names_t = {g.name for g in spec_t.backward} | {x.name for x in spec_t.forward}
    for n, leaf in c.matched.leaves.items():
        ref = np.asarray(t.env[n])
        arr = leaf.array
        if arr is None:
            continue
        if arr.shape == ref.shape and compare(arr, ref, case.rtol(arr), 0, atol=spec.atol.get(n, 0.0)).ok:
            continue
        grad = spec_t.gradient(n)
        expl = (
            explain(spec_t, n, [(arr, t.env, t.dims[spec_t.batch], case.rtol(arr))], bool(grad and grad.per_example), False)
            if n in names_t
            else None
        )
        reshaped = arr.shape != ref.shape
        problem = P.FragileValue(
            target=spec.shown(n),
            where=case.loc(case.span_for(f, n, [c])),
            tags=tuple(expl.tags() if expl else []),
            formula=case.formula_text(n),
            shown=spec.shown(n),
            got_shape=tuple(arr.shape) if reshaped else None,
            expected_shape=tuple(ref.shape) if reshaped else None,
            explained=tuple(expl.mutations[:1]) if expl and expl.mutations else (),
            **common,
        )
        return _Wrong(n, problem)
    return None
