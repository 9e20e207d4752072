"""A value wrong at its root (GC201, GC202, GC203, GC301, GC302): which mistake of the catalog
reproduces it, with the numbers of its first mismatching trial."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..check.compare import compare
from ..check.engine import CallResult
from ..check.templates import literal
from ..findings import Location
from ..spec import formula as fm
from ..spec.model import FunctionSpec
from . import lines_case, lines_seq, locate
from . import problems as P
from .case import Case
from .explain_value import Explanation, explain
from .mutations import has_mean
from .source_lines import call_at
from .values import trial_label

SCALES = frozenset({"sign-flip", "missing-mean", "extra-mean", "wrong-scale"})


def scaled_input(case: Case, f: FunctionSpec, where, expl: Explanation):
    """A value made by a graded callee that passes its own checks, off by a factor only: the
    callee is linear in the gradient it is given, so the factor came in with that argument.
    The line that wrote the argument (traced), else ``where``."""
    trace = case.obs.traces.get(f.name)
    tags = set(expl.tags())
    if where is None or trace is None or not tags or not tags <= SCALES:
        return where
    call = call_at(case.obs.source, f.call, where.line)
    graded = {g.call: i for i, g in enumerate(case.spec.functions)}
    if call is None or call[0] not in graded or call[1] is None or case.has_error(graded[call[0]]):
        return where
    writes = [w for w in trace.names.get(call[1], ()) if w < where.line]
    return case.loc(locate.Span(writes[-1], writes[-1])) if writes else where


def within_input(case: Case, f: FunctionSpec, where, expl: Explanation):
    """A value made by a graded callee that passes its own checks, wrong by a mistake inside a
    hidden intermediate (dZ3 inside the dW3 that ``linear_backward(dZ, cache)`` returns): the
    mistake came in with the gradient passed to the callee. The line that wrote that argument
    (traced, so it ran), with the line inside the student's helper that made it (their own
    ``sigmoid_backward``) as context; else ``where``."""
    trace = case.obs.traces.get(f.name)
    combo = expl.mutations[0] if expl.mutations else ()
    if where is None or trace is None or not combo or not all(m.key.startswith("in:") for m in combo):
        return where
    call = call_at(case.obs.source, f.call, where.line)
    graded = {g.call: i for i, g in enumerate(case.spec.functions)}
    if call is None or call[0] not in graded or call[1] is None or case.has_error(graded[call[0]]):
        return where
    first = case.spec.functions[graded[call[0]]].args[:1]
    within = {m.key.split(":", 2)[1] for m in combo}
    if not first or not isinstance(first[0], str) or {_family(w) for w in within} != {_family(first[0])}:
        return where  # the mistake is not in the value passed in (dZ3 for linear_backward's dZ)
    writes = [w for w in trace.names.get(call[1], ()) if w < where.line]
    if not writes:
        return where
    line = writes[-1]
    made = trace.local(call[1])
    helper = made[1] if made is not None and made[0] == line else None
    via = Location(where.file, helper, helper) if helper is not None and helper != line else None
    return Location(where.file, line, line, via=via)


def at_intermediate(case: Case, f: FunctionSpec, where, expl: Explanation):
    """A mistake found inside one hidden intermediate (dtanh inside rnn_step_backward's dx): the
    line that last wrote the student's local of that name before ``where``, when the traced run
    shows one; else ``where``."""
    trace = case.obs.traces.get(f.name)
    combo = expl.mutations[0] if expl.mutations else ()
    within = {m.key.split(":", 2)[1] for m in combo if m.key.startswith("in:")}
    if where is None or trace is None or not all(m.key.startswith("in:") for m in combo) or len(within) != 1:
        return where
    writes = [w for w in trace.names.get(case.spec.shown(within.pop()), ()) if w < where.line]
    return case.loc(locate.Span(writes[-1], writes[-1])) if writes else where


def from_callee(case: Case, f: FunctionSpec, where):
    """A value copied from what a graded callee returned (``dx[:, t, :] = dx_t`` after
    ``dx_t, … = rnn_step_backward(dnext_h, cache[t])``), when that callee passes its own checks:
    the mistake came in with the call's arguments, so the call's line; else ``where``."""
    trace = case.obs.traces.get(f.name)
    tree = locate.parse(case.obs.source) if where is not None and trace is not None else None
    func = locate.function_node(tree, f.call) if tree is not None else None
    if func is None:
        return where
    copied = [n.value.id for n in ast.walk(func) if isinstance(n, ast.Assign) and n.lineno == where.line and isinstance(n.value, ast.Name)]
    writes = [w for w in trace.names.get(copied[0], ()) if w < where.line] if len(copied) == 1 else []
    call = call_at(case.obs.source, f.call, writes[-1]) if writes else None
    graded = {g.call: i for i, g in enumerate(case.spec.functions)}
    if call is None or call[0] not in graded or call[0] == f.call or case.has_error(graded[call[0]]):
        return where
    return case.loc(locate.Span(writes[-1], writes[-1]))


def window_start(case: Case, f: FunctionSpec, where, tags: tuple[str, ...], explained: bool):
    """A window moved without its stride: the values are written through the window's slice,
    but the mistake is where its start is computed (``vert_start = h``), a line that ran. Said
    by the catalog (stride-ignored), or, when no mistake of the catalog explains the values,
    seen in the code: the function has a stride and a window starts at a loop index without it."""
    trace = case.obs.traces.get(f.name)
    if trace is None:
        return where
    if "stride-ignored" not in tags and (explained or not any("stride" in name.lower() for name in trace.names)):
        return where
    span = locate.window_without_stride(case.obs.source, f.call, trace.lines)
    return case.loc(span) if span is not None else where


def batch_size(case: Case, f: FunctionSpec, where, tags: tuple[str, ...]):
    """A value off by a factor, in a call whose own batch size is wrong (``m = X.shape[0]``,
    ``m = 209``: the local named as the spec's batch dim held another number than the
    trial's when the call returned): the line that last wrote it."""
    trace = case.obs.traces.get(f.name)
    batch = case.spec.batch
    if where is None or trace is None or not batch or not (set(tags) & (SCALES | {"m-wrong-axis"})):
        return where
    trial = next((t for t in case.normal if t.index == trace.trial), None)
    held, writes = trace.ints.get(batch), trace.names.get(batch, ())
    if trial is None or held is None or not writes or held == trial.dims.get(batch, held):
        return where
    return case.loc(locate.Span(writes[-1], writes[-1]))


def sign_before_rescale(case: Case, f: FunctionSpec, where, tags: tuple[str, ...]):
    """A sign flip shown at ``dx /= N``: scaling by a size cannot flip a sign, so the line is
    the write of dx before it that ran."""
    trace = case.obs.traces.get(f.name)
    name = locate.rescaled(case.obs.source, f.call, where.line) if where is not None and trace is not None and "sign-flip" in tags else None
    writes = [w for w in trace.names.get(name, ()) if w != where.line] if name else []
    return case.loc(locate.Span(writes[-1], writes[-1])) if writes else where


def branch_test(case: Case, f: FunctionSpec, where):
    """A value made and never written, because the branch that writes it did not run for the
    string the call passed (mode="average" tested as "avg"): that branch's test, a line that ran."""
    trace = case.obs.traces.get(f.name)
    if where is None or trace is None:
        return where
    passed = [t[1:] for t in _templates(f.args) if literal(t)]
    span = locate.branch_not_taken(case.obs.source, f.call, where.line, trace.ran, passed)
    return case.loc(span) if span is not None else where


def _templates(args) -> list:
    """Every string of an argument template, nested ones too."""
    out: list = []
    for a in args:
        if isinstance(a, str):
            out.append(a)
        elif isinstance(a, (list, tuple, dict)):
            out += _templates(a.values() if isinstance(a, dict) else a)
    return out


def _family(name: str) -> str:
    return name.rstrip("0123456789{}L-+ ") or name


def hidden(case: Case, n: str, produced: list[str]) -> tuple[str, ...]:
    """Intermediates ``n`` depends on that the student did not hand back, nearest first."""
    spec = case.spec
    out: list[str] = []
    frontier = [n]
    derived = {f.name for f in spec.derived}  # made for this value: searched before gradients graded elsewhere
    while frontier:
        formula = spec.formula_for(frontier.pop(0))
        if formula is None:
            continue
        for u in sorted(fm.names(formula.tree), key=lambda u: (u not in derived, u)):
            if u in out or u == n or u in produced or u in spec.parameters:
                continue
            if spec.formula_for(u) is not None and u not in ("L", "J"):
                out.append(u)
                frontier.append(u)
    # the search is capped: intermediates with the spec's own known mistakes go first, nearest first
    return tuple(sorted(out, key=lambda u: u not in spec.mistakes)[:6])


def plausible_first(case: Case, f: FunctionSpec, n: str, combos: list) -> list:
    """Among explanations that fit equally, drop those claiming the student used a name the
    line never mentions while it does mention the right one (A3 for A2): they are false."""
    if len(combos) < 2:
        return combos
    used = locate.names_in(case.obs.source, f.call, case.spec.shown(n))

    def implausible(combo) -> bool:
        for m in combo:
            wrong = right = None
            if m.key.startswith("deriv-operand:"):
                wrong, right = m.key.split(":", 1)[1], None
            elif m.key.startswith("operand:") and "->" in m.key:
                right, wrong = m.key.split(":", 1)[1].split("->")
            if wrong and case.spec.shown(wrong) not in used and (right is None or case.spec.shown(right) in used):
                return True
        return False

    plausible = [c for c in combos if not implausible(c)]
    return plausible or combos


def _where(case: Case, f: FunctionSpec, n: str, calls: list[CallResult], expl: Explanation):
    made = case.value_loc(f, n, calls, n in f.locals)
    where = within_input(case, f, scaled_input(case, f, made, expl), expl)
    return from_callee(case, f, at_intermediate(case, f, where, expl)) if where == made else where


def role(case: Case, n: str) -> str:
    if n == "J" or case.spec.shown(n) == "cost":  # also a forward value that is the student's cost (L2 + cross-entropy)
        return "cost"
    if n in {f.name for f in case.spec.forward}:
        return "forward"
    if n in {f.name for f in case.spec.derived}:
        return "derived"
    return "gradient"


def _mean_story(case: Case, n: str, expl: Explanation) -> P.MeanStory | None:
    """The J-versus-L account fits a gradient whose 1/m is missing or extra."""
    spec, scale = case.spec, expl.scale
    g = spec.gradient(n)
    if g is None or scale is None:
        return None
    formula = spec.formula_for(n)
    averaged = formula is not None and has_mean(formula.tree, spec.batch)
    about_m = spec.batch in scale.factor_text.replace("/", " ").split() or scale.factor_text.lstrip("−").endswith(spec.batch)
    if set(scale.tags) & {"missing-mean", "extra-mean", "wrong-scale"} and (averaged or g.per_example) and about_m:
        return P.MeanStory(g.name, g.wrt, g.per_example, spec.batch)
    return None


def _tags(kind: str, expl: Explanation) -> tuple[str, ...]:
    base = {"forward": ["forward-mismatch"], "cost": ["cost-mismatch"], "derived": ["value-mismatch"]}.get(kind, [])
    if expl.scale is not None:
        return tuple(base + [t for t in expl.scale.tags if t not in base])
    tags = list(base)
    if expl.mutations:
        tags += [t for t in expl.tags() if t not in tags]
    return tuple(tags)


def root_problem(
    case: Case, f: FunctionSpec, n: str, calls: list[CallResult], values: list[dict], produced: list[str], envs: list[dict[str, Any]]
) -> P.ValueMismatch:
    """``envs``: per trial, the reference with the student's own upstream values."""
    spec = case.spec
    g = spec.gradient(n)
    cases = []
    first = None
    for k, c in enumerate(calls):
        got = values[k][n]
        cmp_ = compare(got, np.asarray(c.trial.env[n]), case.rtol(got), atol=spec.atol.get(n, 0.0))
        if not cmp_.ok:
            first = first or (cmp_, k)
            cases.append((got, envs[k], c.trial.dims[spec.batch], case.rtol(got)))
    assert first is not None, "a root value differs in some trial"
    cmp_, k = first
    expl = explain(spec, n, cases, bool(g and g.per_example), g is None, hidden=hidden(case, n, produced))
    expl.mutations = plausible_first(case, f, n, expl.mutations)
    target = spec.shown(n)
    trial = calls[k].trial
    got = values[k][n]
    kind = role(case, n)
    stats = {
        "mismatched": cmp_.mismatched,
        "total": cmp_.total,
        "max_abs_error": cmp_.max_abs,
        "max_rel_error": cmp_.max_rel,
        "worst": [list(w) for w in cmp_.worst],
        "rtol": cmp_.rtol,
        "trial": trial_label(spec, f, trial),
        "ratio": expl.ratios[0] if expl.ratios else None,
        "error_map": (np.asarray(got, dtype=np.float64) - np.asarray(trial.env[n])).tolist()
        if 2 <= np.ndim(got) <= 4 and np.size(got) <= 4096
        else None,
        "expected_scale": float(np.max(np.abs(trial.env[n]))) if np.size(trial.env[n]) else 0.0,
        "axes": spec.axes_of(n),  # [dim, role] per axis, for the per-channel / per-step views
    }
    tags = _tags(kind, expl)
    where = _where(case, f, n, calls, expl)
    where = batch_size(case, f, window_start(case, f, where, tags, bool(expl.mutations or expl.scale)), tags)
    where = lines_seq.refine(case, f, n, calls, where, tags, expl)  # values assembled over several lines
    where = sign_before_rescale(case, f, branch_test(case, f, where), tags)
    where = lines_case.value_line(case, f, n, where, expl, tags, got, trial.env[n])
    return P.ValueMismatch(
        target=target,
        where=where,
        tags=tags,
        check=f"{f.name}:{target}",
        formula=case.formula_text(n),
        chain=case.chain(n, trial),
        stats=stats,
        role=kind,
        scale=expl.scale,
        mean_story=_mean_story(case, n, expl),
        explained=tuple(expl.mutations),
        mismatched=cmp_.mismatched,
        total=cmp_.total,
        max_rel=cmp_.max_rel,
        note=spec.notes.get(n),
    )
