"""The gradient check: the student's backward pass against finite differences of their own
forward pass and cost (GC304), and the directions or elements skipped at a kink (GC402)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..check import fd as fd_mod
from ..check.compare import Comparison, compare
from ..check.engine import gradient_function
from ..report import CheckResult
from . import loading
from . import problems as P
from .case import Case
from .messages import constant_cost_note, fd_summary, sampled_entry


@dataclass
class _Tally:
    bad: list[tuple[str, Comparison | None, bool]] = field(default_factory=list)  # (gradient, comparison, matches the reference)
    checked: int = 0
    kinks: int = 0
    examples: dict[str, tuple[float, str]] = field(default_factory=dict)  # gradient -> (relative error, its worst sampled entry)


def gradient_check(case: Case) -> None:
    spec, obs = case.spec, case.obs
    if not spec.student_cost:
        return
    pts = spec.gradient_check_points or 0.0
    fd = obs.fd
    backward = gradient_function(spec)
    call = obs.calls.get((backward.name, 0)) if backward else None
    if fd is None or fd.failure is not None or call is None or call.matched is None or call.failure is not None:
        why = "not run" if fd is None else f"your forward/cost failed ({fd.failure.kind})" if fd.failure else "backward failed"
        if fd is not None and fd.failure is not None and fd.failure.kind == "not-finite":
            why = fd.failure.message
        case.checks.append(CheckResult("gradient_check", "", "gradient check", "fail", 0.0, pts, why))
        if fd is not None and fd.failure is not None and fd.failure.kind != "not-finite":
            _evaluation_failed(case, fd.failure)
        return
    grad_names = {g.wrt: g.name for g in spec.backward if not g.per_example}
    rtol = spec.tolerance.for_dtype(fd_mod.dtype_name(fd.itemsize), fd=True)
    tally = _Tally(kinks=fd.kinked_directions)
    if fd.joint is not None:
        analytic = _analytic(case, call, grad_names, tally)
        if not tally.bad and not fd.joint[0]:
            case.checks.append(
                CheckResult(
                    "gradient_check", "", "gradient check", "skip", pts, pts, "every random direction crossed a kink; nothing to compare"
                )
            )
            case.emit(
                (case.gradient_check_group, 1),
                P.KinkSkipped(target="gradient check", count=fd.kinked_directions, directional=True, everything=True),
            )
            return
        if not tally.bad:
            _joint(case, fd, call, analytic, grad_names, rtol, tally)
    else:
        _per_parameter(case, fd, call, grad_names, rtol, tally)
    _verdict(case, fd, pts, tally)


def _evaluation_failed(case: Case, failure) -> None:
    """The forward pass or cost raised (or hung) while evaluated at the perturbed points, though
    the calls before passed: the failed row needs its finding, naming the function and line."""
    graded = {step.call for step in case.spec.student_cost}
    named = [f[1] for f in failure.frames if len(f) > 1 and f[1] in graded]
    function = named[0] if named else case.spec.student_cost[0].call
    case.emit((case.gradient_check_group, 0), loading.run_failed(case, failure, "gradient check", function))


def _usable(case: Case, call, gname: str | None, p: str) -> np.ndarray | None:
    leaf = call.matched.leaves.get(gname) if gname else None
    if leaf is None or leaf.array is None or leaf.array.dtype.kind != "f" or leaf.array.shape != np.shape(call.trial.env[p]):
        return None
    return leaf.array


def _analytic(case: Case, call, grad_names: dict[str, str], tally: _Tally) -> dict[str, np.ndarray]:
    out = {}
    for p in case.spec.parameters:
        got = _usable(case, call, grad_names.get(p, ""), p)
        if got is None:
            tally.bad.append((grad_names.get(p, p), None, False))
        else:
            out[p] = np.asarray(got, dtype=np.float64)
    return out


def _joint(case: Case, fd, call, analytic: dict[str, np.ndarray], grad_names: dict[str, str], rtol: float, tally: _Tally) -> None:
    """Random directions through all parameters at once; on a mismatch, the sampled entries name the gradient."""
    spec = case.spec
    dirs, slopes = fd.joint
    predicted = np.array([sum(float(np.sum(d[p] * analytic[p])) for p in spec.parameters) for d in dirs])
    result = compare(predicted, slopes, rtol, atol=fd.noise)
    tally.checked = len(dirs)
    if result.ok:
        return
    matches = {p: compare(analytic[p], np.asarray(call.trial.env[grad_names[p]]), case.rtol(analytic[p]), 0).ok for p in spec.parameters}
    located = sampled(fd, analytic, rtol, grad_names)
    for p, (res, where) in located.items():  # the entries checked one by one name the gradient
        tally.bad.append((grad_names[p], res, matches[p]))
        tally.examples[grad_names[p]] = (res.max_rel, where)
    if not located:
        tally.bad.append((", ".join(grad_names[p] for p in spec.parameters), result, all(matches.values())))


def _per_parameter(case: Case, fd, call, grad_names: dict[str, str], rtol: float, tally: _Tally) -> None:
    """Every element (or random directions) of each parameter on its own."""
    for p in case.spec.parameters:
        gname = grad_names.get(p)
        got = _usable(case, call, gname, p)
        if got is None:
            tally.bad.append((gname or p, None, False))
            continue
        analytic = np.asarray(got, dtype=np.float64)
        if p in fd.numeric:
            numeric = fd.numeric[p]
            mask = fd.kinks.get(p)
            result = compare(analytic, numeric, rtol, atol=fd.noise)
            if not result.ok and mask is not None and mask.any():
                keep = ~mask
                tally.kinks += int(mask.sum())
                result = compare(analytic[keep], numeric[keep], rtol, atol=fd.noise)
            tally.checked += analytic.size
        else:
            dirs, slopes = fd.directional[p]
            predicted = dirs.reshape(len(dirs), -1) @ analytic.reshape(-1)
            result = compare(predicted, slopes, rtol, atol=fd.noise)
            tally.checked += len(dirs)
        if not result.ok:
            matches_ref = compare(analytic, np.asarray(call.trial.env[gname]), case.rtol(got), 0).ok
            tally.bad.append((gname, result, matches_ref))


def flat_cost(fd) -> bool:
    """Whether every finite difference of the student's cost is zero (within rounding): a constant
    cost, against which zero gradients "agree" without checking anything."""
    slopes = [np.asarray(v, dtype=np.float64).reshape(-1) for v in fd.numeric.values()]
    slopes += [np.asarray(v[1], dtype=np.float64).reshape(-1) for v in fd.directional.values()]
    if fd.joint is not None:
        slopes.append(np.asarray(fd.joint[1], dtype=np.float64).reshape(-1))
    values = np.concatenate(slopes) if slopes else np.zeros(0)
    return values.size > 0 and bool(np.all(np.abs(values) <= fd.noise))


def _verdict(case: Case, fd, pts: float, tally: _Tally) -> None:
    spec = case.spec
    ok = not tally.bad
    example = max(tally.examples.values(), default=None)  # the entry that disagrees most, in words
    summary = fd_summary(tally.checked, fd.joint is not None, [b[0] for b in tally.bad], example[1] if example else None)
    if ok and flat_cost(fd):  # zero gradients of a constant cost: no evidence of a working backward pass
        ok, summary = False, constant_cost_note()
    case.checks.append(CheckResult("gradient_check", "", "gradient check", "pass" if ok else "fail", pts if ok else 0.0, pts, summary))
    consistent = [(g, r) for g, r, matches_ref in tally.bad if r is not None and matches_ref]
    if consistent:  # one finding: the cause is the forward pass or the cost, not each gradient
        worst = max(r.max_rel for _, r in consistent)
        shown = max((tally.examples[g] for g, _ in consistent if g in tally.examples), default=None)
        names = [g for g, _ in consistent]
        case.emit(
            (case.gradient_check_group, 0),
            P.FdDisagreement(
                target="gradient check",
                where=case.function_loc(spec.student_cost[-1].call),
                stats={"max_rel_error": worst, "gradients": names},
                names=tuple(names),
                worst=worst,
                functions=tuple(dict.fromkeys(s.call for s in spec.student_cost)),
                example=shown[1] if shown else None,
            ),
        )
    if tally.kinks:
        case.emit(
            (case.gradient_check_group, 1), P.KinkSkipped(target="gradient check", count=tally.kinks, directional=fd.joint is not None)
        )


def sampled(fd, analytic: dict[str, np.ndarray], rtol: float, grad_names: dict[str, str]) -> dict[str, tuple[Comparison, str]]:
    """The parameters whose entries, checked one by one after a directional mismatch,
    disagree with finite differences: (the comparison, the worst entry in words)."""
    out = {}
    for p, (picks, slopes, kinked) in fd.sampled.items():
        keep = ~np.asarray(kinked, dtype=bool)
        if p not in analytic or not keep.any():
            continue
        got = analytic[p].reshape(-1)[picks[keep]]
        result = compare(got, slopes[keep], rtol, atol=fd.noise)
        if result.ok:
            continue
        (j,), mine, numeric = result.worst[0]
        index = ", ".join(str(int(i)) for i in np.unravel_index(int(picks[keep][j]), analytic[p].shape))
        out[p] = (result, sampled_entry(grad_names.get(p, p), index, mine, numeric, result.mismatched, int(keep.sum())))
    return out
