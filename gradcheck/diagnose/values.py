"""Whether each returned value can be compared at all: the structure of what a function returned
(GC102, GC103), and each value's type, dtype, shape and finiteness (GC102, GC104, GC105), in every
trial; intermediates that are not among the function's locals (GC305)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..check.engine import CallResult
from ..check.templates import MISSING, Leaf
from ..check.trials import Trial, label_dims
from ..spec import formula as fm
from ..spec.functions import leaf_names
from ..spec.model import FunctionSpec, Spec
from . import locate
from . import problems as P
from .case import FIRST, MISSING_LOCALS, Case
from .explain_value import explain
from .shapes import symbolic
from .wording import template_text


def structure(case: Case, fi: int, f: FunctionSpec, calls: list[CallResult]) -> set[str]:
    """The values that cannot be checked because what came back does not fit the template."""
    bad: set[str] = set()
    seen: set[tuple] = set()
    source = case.obs.source
    for c in calls:
        for p in c.matched.problems if c.matched else []:
            key = (p.kind, p.target, p.path)
            bad.update(p.leaves)
            if key in seen:
                continue
            seen.add(key)
            target = case.spec.shown(p.target)
            if p.kind == "missing-key":
                span = locate.locate_return(source, f.call, p.path[:-1], container=True) or locate.locate_return(
                    source, f.call, ("return",)
                )
                case.emit(
                    (fi, case.place(p.target)),
                    P.MissingKey(
                        target=target,
                        where=case.loc(span),
                        check=f"{f.name}:{target}",
                        account=p.message,
                        key=str(p.path[-1]),
                        suggested=bool(p.suggestion),
                    ),
                )
            else:  # what came back has the wrong form: the return statement that ran chose it
                trace = case.obs.traces.get(f.name)
                returned = trace.returned if trace is not None else None
                span = locate.Span(returned, returned) if returned else locate.locate_return(source, f.call, ("return",))
                case.emit(
                    (fi, FIRST),
                    P.WrongStructure(
                        target=target, where=case.loc(span), account=p.message, returns=template_text(f.returns, case.spec.shown)
                    ),
                )
    return bad


def validate(case: Case, f: FunctionSpec, n: str, calls: list[CallResult], values: list[dict]) -> str | None:
    """Type, dtype, shape and finiteness of one returned value, in every trial: why it cannot be
    compared, or None (its arrays then stored in ``values``)."""
    for k, c in enumerate(calls):
        leaf = c.matched.leaves.get(n) if c.matched else None
        problem = leaf_problem(case, f, n, leaf, c.trial, calls)
        if problem:
            return problem
        values[k][n] = leaf.array if leaf else None
    return None


def validate_local(case: Case, fi: int, f: FunctionSpec, n: str, calls: list[CallResult], values: list[dict]) -> str | None:
    if not all(n in c.locals for c in calls):
        g = case.spec.gradient(n)
        reference = fm.pretty(g.formula.text) if g else n
        case.emit(
            (fi, MISSING_LOCALS + case.place(n)),
            P.LocalMissing(target=n, where=case.function_loc(f.call), call=f.call, shown=case.spec.shown(n), reference=reference),
        )
        return "not found"
    for k, c in enumerate(calls):
        problem = leaf_problem(case, f, n, c.locals[n], c.trial, calls, local=True)
        if problem:
            return problem
        values[k][n] = c.locals[n].array
    return None


def leaf_problem(
    case: Case, f: FunctionSpec, n: str, leaf: Leaf | None, trial: Trial, calls: list[CallResult], local: bool = False
) -> str | None:
    """Why one value of one trial cannot be compared (its problem recorded), or None."""
    ref = np.asarray(trial.env[n])
    value = leaf.value if leaf else MISSING
    array = leaf.array if leaf else None
    target = case.spec.shown(n)
    rank = (case.spec.functions.index(f), case.place(n))

    def where():  # reading the source costs time: only when there is a problem
        return case.value_loc(f, n, calls, local)

    if ref.ndim == 0:
        if value.is_number:
            dtype_ok = value.kind != "int" and (value.kind not in ("scalar", "nd") or value.float_kind)
            if array is not None and dtype_ok:
                return finite(case, rank, f, target, array, where)
        if value.is_array and array is not None and array.size > 1 and array.dtype.kind == "f":
            shape_problem(case, rank, f, n, array, trial, where(), calls, local)  # many numbers for one
            return "wrong shape"
        case.emit(
            rank,
            P.NotANumber(
                target=target,
                where=where(),
                check=f"{f.name}:{target}",
                call=f.call,
                got=value.described,
                empty_tuple=value.kind == "tuple" and not value.length,
                is_cost=n == "J",
            ),
        )
        return "wrong type"
    # a mask may be ints or booleans: a free one (the student's dropout mask), or one the reference gives as booleans
    numeric_kinds = "fiub" if n in f.free or ref.dtype.kind == "b" else "f"
    if not value.is_plain_array or value.dtype_kind not in numeric_kinds:
        why = None
        if value.kind == "list":
            why = "list"
        elif value.is_array and value.is_matrix:
            why = "matrix"
        elif value.is_array and value.dtype_kind in "iub":
            why = "integer"
        elif value.is_array and value.dtype_kind == "c":
            why = "complex"
        case.emit(
            rank,
            P.NotAnArray(
                target=target, where=where(), check=f"{f.name}:{target}", call=f.call, got=value.described, shape=tuple(ref.shape), why=why
            ),
        )
        return "wrong type"
    if array is None:
        return "unreadable"
    if array.shape != ref.shape:
        shape_problem(case, rank, f, n, array, trial, where(), calls, local)
        return "wrong shape"
    return finite(case, rank, f, target, array, where)


def finite(case: Case, rank, f: FunctionSpec, target: str, value: np.ndarray, where) -> str | None:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        kinds = tuple(k for k, test in (("NaN", np.isnan), ("inf", np.isinf)) if np.any(test(arr)))
        case.emit(rank, P.NotFinite(target=target, where=where(), check=f"{f.name}:{target}", kinds=kinds, count=bad, size=arr.size))
        return "not finite"
    return None


def _arrays(case: Case, n: str, calls: list[CallResult], local: bool) -> list[tuple[CallResult, np.ndarray | None]]:
    out = []
    for c in calls:
        leaf = c.locals.get(n) if local else (c.matched.leaves.get(n) if c.matched else None)
        out.append((c, leaf.array if leaf is not None else None))
    return out


def shape_problem(
    case: Case, rank, f: FunctionSpec, n: str, got: np.ndarray, trial: Trial, where, calls: list[CallResult], local: bool
) -> None:
    spec = case.spec
    target = spec.shown(n)
    ref = np.asarray(trial.env[n])
    g = spec.gradient(n)
    arrays = _arrays(case, n, calls, local)
    expl = None
    if n in case.formula_names and all(a is not None for _, a in arrays):
        cases = [(a, c.trial.env, c.trial.dims[spec.batch], case.rtol(a)) for c, a in arrays]
        if cases:
            expl = explain(spec, n, cases, bool(g and g.per_example), g is None, try_pairs=True)
    got_shapes = {a.shape for _, a in arrays if a is not None}
    ref_shapes = {np.shape(c.trial.env[n]) for c, a in arrays if a is not None}
    tags = ["shape"]
    layout = None
    if expl and expl.mutations:
        tags += [t for t in expl.tags() if t not in tags]
    elif got.shape == ref.shape[::-1] and ref.ndim == 2:
        tags.append("transpose")
        layout = "transpose"
    elif got.ndim == ref.ndim - 1 and ref.ndim == 2 and ref.shape[1] == 1 and got.shape == (ref.shape[0],):
        tags.append("missing-keepdims")
        layout = "keepdims"
    if got.ndim == ref.ndim:  # in-place writes never change a shape: the line that made the array, and its size
        axes = tuple(i for i, (a, b) in enumerate(zip(got.shape, ref.shape)) if a != b)
        where = case.value_loc(f, n, calls, local, shape_axes=axes) or where
    problem = P.WrongShape(
        target=target,
        where=where,
        tags=tuple(tags),
        check=f"{f.name}:{target}",
        formula=case.formula_text(n),
        chain=case.chain(n, trial),
        stats={"got_shape": list(got.shape), "expected_shape": list(ref.shape)},
        got=own_labels(spec, f, n, got.shape, ref.shape, trial.dims),
        expected=own_labels(spec, f, n, ref.shape, ref.shape, trial.dims),
        wrt=g.wrt if g is not None else None,
        fixed_shape=got.shape if len(got_shapes) == 1 and len(ref_shapes) > 1 else None,
        explained=tuple(expl.mutations) if expl else (),
        layout=layout,
        local=local,
    )
    case.emit(rank, problem)
    if local:  # a convention rather than a mistake when every graded value turns out right (judge)
        case.local_shapes.append((rank[0], len(case.findings) - 1, problem))


def declared_shape(spec: Spec, n: str) -> tuple[str | int, ...] | None:
    """The shape the spec declares for value ``n`` (a gradient has the shape of what it
    differentiates, dW1 that of W1); None for a value computed by a formula."""
    g = spec.gradient(n)
    wanted = g.wrt if g is not None and not g.per_example else n
    return next((tuple(v.shape) for v in spec.values if v.name == wanted), None)


def own_dims(spec: Spec, f: FunctionSpec, n: str) -> set[str]:
    """The dims ``f``'s own arrays are declared with (its arguments' shapes and ``n``'s): the
    only names a size of ``n`` may be called by. A spec dim that merely has the same size in
    this trial (a stride, a padding, another layer's width) names nothing here."""
    names = {a for t in f.args for a in leaf_names(list(t) if isinstance(t, tuple) else t) if isinstance(a, str)}
    out: set[str] = set()
    for shape in (declared_shape(spec, a) for a in (*names, n)):
        out |= {d for d in shape or () if isinstance(d, str)}
    return out


def own_labels(spec: Spec, f: FunctionSpec, n: str, shape: tuple[int, ...], ref: tuple[int, ...], dims: dict[str, int]) -> str:
    """``shape`` (the student's, or the reference ``ref``) written with the dims of ``n``'s own
    declared shape where the axis has its declared size, else with the function's own dims, else
    as numbers: ``(N, F, H', W')``, never a size named after an unrelated dim of equal value."""
    declared = declared_shape(spec, n)
    positional = declared if declared is not None and len(declared) == len(ref) else None
    own = {d: dims[d] for d in sorted(own_dims(spec, f, n)) if d in dims}
    parts: list[str] = []
    for i, size in enumerate(shape):
        label = positional[i] if positional is not None and i < len(ref) and size == ref[i] else None
        if isinstance(label, str) and dims.get(label) == size and size != 1:
            parts.append(label)
            continue
        parts.append(symbolic((size,), own)[1:-2])
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def trial_label(spec: Spec, f: FunctionSpec, trial: Trial) -> str:
    """``trial 1 (N=6, C=3, ...)`` naming only the sizes ``f`` itself uses (its arguments',
    its results' and their formulas' dims), by the course's names for them (the spec's
    ``names:``): CS231n's conv_backward_naive is not told the sizes of the batch norm, the
    pooling and the group norm layers of the same spec, nor their dims' bookkeeping names."""
    own = label_dims(replace(spec, functions=(f,)))
    return spec.shown_text(replace(trial, shown=own if trial.shown is None else own & trial.shown).label)


def report_trial_label(spec: Spec, trial: Trial) -> str:
    """The report's line for a trial: ``trial 1 (N=2, C=3, ...)`` with every size by the course's
    name for it (the spec's ``names:``). Two sizes the course calls alike (CS231n's conv and
    pool ``stride``) each say which function uses them: ``stride=2 in conv_forward_naive``."""
    shown = [k for k in trial.dims if trial.shown is None or k in trial.shown]
    course = {k: spec.shown_text(k) for k in shown}
    alike = {k for k in shown if sum(c == course[k] for c in course.values()) > 1}
    owner: dict[str, str] = {}
    for f in spec.functions if alike else ():
        for k in label_dims(replace(spec, functions=(f,))) & alike:
            owner.setdefault(k, f.name)
    return trial.label_with(lambda k, v: f"{course[k]}={v}" + (f" in {owner[k]}" if k in owner else ""))
