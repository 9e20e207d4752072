"""``gradcheck.check_grads`` and ``gradcheck.assert_grads``: check the gradient of any numpy function.

Like ``torch.autograd.gradcheck`` and ``jax.test_util.check_grads``, the function runs **in
the caller's process**: it is the researcher's own code, not a student's submission, so
there is no sandbox, no time limit and no memory cap. The finite-difference rules are the
grader's (check/local_fd.py, docs/check-grads.md); the result is the same ``Report``
(``print(report)`` shows the terminal panels). Words live in grads_words.py.
"""

from __future__ import annotations

import inspect
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import grads_words as words
from .check import fd
from .check.compare import Comparison, compare
from .check.local_fd import Slopes, direction_slopes, disagreeing, entry_slopes, random_directions
from .check.student_fd import DIRECTIONS, ELEMENTWISE_LIMIT, FD_BUDGET, SAMPLES, sample_entries
from .diagnose.scale import fit_ratio
from .findings import Finding, Location
from .report import CheckResult, Report
from .spec.model import DEFAULT_TOLERANCE

MODES = ("auto", "elementwise", "directional")
SALT = 0x67726164  # "grad": dout and directions come from streams of their own


class GradReport(Report):
    """A ``Report`` whose ``str()`` is the terminal report (plain text, 100 columns)."""

    def __str__(self) -> str:
        return words.render_text(self)

    def __repr__(self) -> str:  # short: the dataclass repr would carry the whole source file
        found = ", ".join(f"{f.code} {f.target}" for f in self.findings)
        return f"GradReport(passed={self.passed}, title={self.title!r}, findings=[{found}])"


class _Raised(Exception):
    """f raised while being evaluated at a perturbed point."""


@dataclass
class _Job:
    """What is being checked, with the working copies of the differentiated arguments."""

    f: Callable[..., Any]
    args: list[Any]
    wrt: list[int]  # differentiated argument positions
    labels: list[str]  # per differentiated argument: "W (args[1])"
    targets: list[str]  # per differentiated argument: "W" or "args[1]"
    dout: np.ndarray | None = None
    findings: list[Finding] = field(default_factory=list)
    location: Location | None = None
    per_eval: float = 1e-3
    evaluations: int = 0

    def call_args(self, thetas: Sequence[np.ndarray], which: Sequence[int]) -> list[Any]:
        out = list(self.args)
        for k, theta in zip(which, thetas):
            out[self.wrt[k]] = theta
        return out

    def cost(self, which: Sequence[int]) -> Callable[[list[np.ndarray]], float]:
        """J on the arguments ``which``: f itself, or Σ dout · f for an array-valued f."""

        def j(thetas: list[np.ndarray]) -> float:
            self.evaluations += 1
            try:
                out = self.f(*self.call_args(thetas, which))
            except Exception as exc:  # noqa: BLE001 - the user's function may raise anything
                raise _Raised(exc) from exc
            value = np.asarray(out)
            if value.dtype.kind not in "fiu":  # complex, object: nothing to compare, and never a pass
                return float("nan")
            value = value.astype(np.float64, copy=False)
            return float(np.sum(self.dout * value)) if self.dout is not None else float(value.reshape(-1)[0])

        return j


def check_grads(f: Callable[..., Any], args: Sequence[Any] | Any, *, grad: Callable[..., Any] | None = None,
                vjp: Callable[..., Any] | None = None, argnums: int | str | Sequence[int | str] | None = None,
                seed: int = 0, rtol: float | None = None, dtype: str | None = None, mode: str = "auto",
                directions: int | None = None, samples: int | None = None) -> GradReport:  # fmt: skip
    """Check an analytic gradient of ``f`` against central finite differences of ``f``.

    ``f(*args)`` returns a number (then ``grad(*args)`` returns its gradients) or an array
    (then ``vjp(dout, *args)`` returns the gradients of Σ dout · f(*args), with ``dout``
    seeded standard normal). Gradients come one per differentiated argument, in order (a
    single array when there is one; one per argument is accepted too). ``argnums``: the
    argument positions or names to differentiate (default: every floating-point argument).
    ``dtype="float64"`` checks in double precision (default: the arguments' own dtypes, with
    the step and tolerance for the lowest precision among them and f's value). ``mode``:
    "auto" (element by element when it is cheap, random directions through all arguments
    otherwise), "elementwise" or "directional"; ``directions`` (4) and ``samples`` (4 entries
    per argument checked one by one after a directional mismatch). ``rtol``: the relative
    tolerance (1e-5 for float64, 3e-3 for float32).

    ``f``, ``grad`` and ``vjp`` run in this process, like torch's and JAX's checks: there is
    no sandbox. Problems in the gradient are findings in the returned report
    (``report.passed``, ``report.findings``, ``print(report)``); a misuse of this function
    (both or neither of grad/vjp, an argnums out of range) raises TypeError or ValueError.
    """
    start = time.perf_counter()
    job, analytic_fn = _prepare(f, args, grad, vjp, argnums, dtype, mode)
    itemsize, analytic = _first_calls(job, analytic_fn, vjp is not None, seed)
    tol = rtol if rtol is not None else DEFAULT_TOLERANCE.for_dtype(fd.dtype_name(itemsize), fd=True)
    how = _finite_differences(job, analytic, itemsize, tol, mode, directions, samples, seed) if analytic is not None else ""
    stopped = any(x.level == "error" and x.target not in job.targets for x in job.findings)  # f or the gradient as a whole
    checks = []
    for target in job.targets:
        bad = stopped or any(x.target == target and x.level == "error" for x in job.findings)
        checks.append(CheckResult(f"grad:{target}", _name(analytic_fn), target, "fail" if bad else "pass", 0.0 if bad else 1.0, 1.0,
                                  words.check_summary(job.findings, target)))  # fmt: skip
    return _report(job, analytic_fn, checks, seed, tol, itemsize, how, time.perf_counter() - start)


def assert_grads(f: Callable[..., Any], args: Sequence[Any] | Any, **options: Any) -> GradReport:
    """``check_grads`` for a test suite: raises ``AssertionError`` with the explanation when the
    check fails; returns the report when it passes."""
    report = check_grads(f, args, **options)
    if not report.passed:
        raise AssertionError(words.explanation(report))
    return report


# --------------------------------------------------------------------------- setting up


def _prepare(f, args, grad, vjp, argnums, dtype, mode) -> tuple[_Job, Callable[..., Any]]:
    """Validate the call (misuse raises) and make working copies of the differentiated arguments."""
    if not callable(f):
        raise TypeError(f"f must be callable (got {type(f).__name__})")
    if (grad is None) == (vjp is None):
        raise TypeError("pass exactly one of grad= (for a scalar f) and vjp= (for an array-valued f)")
    analytic_fn = grad if grad is not None else vjp
    if not callable(analytic_fn):
        raise TypeError(f"{'grad' if grad is not None else 'vjp'} must be callable (got {type(analytic_fn).__name__})")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)} (got {mode!r})")
    if dtype not in (None, "float64", "float32"):
        raise ValueError(f"dtype must be None, 'float64' or 'float32' (got {dtype!r})")
    args = list(args) if isinstance(args, (tuple, list)) else [args]
    names = _arg_names(f, len(args))
    wrt = _argnums(argnums, args, names)
    for a in wrt:
        x = np.asarray(args[a])
        if x.dtype.kind not in "fiub":
            raise ValueError(f"{words.label(names[a], a)} cannot be differentiated: its dtype is {x.dtype}")
        target = np.dtype(dtype) if dtype else x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        args[a] = np.array(x, dtype=target, order="C", copy=True)
    labels = [words.label(names[a], a) for a in wrt]
    targets = [names[a] or f"args[{a}]" for a in wrt]
    return _Job(f, args, wrt, labels, targets, location=_where(analytic_fn)), analytic_fn


def _arg_names(f: Callable[..., Any], n: int) -> list[str | None]:
    """Each positional argument's name from f's signature (None past ``*args`` or without one)."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return [None] * n
    out: list[str | None] = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            out.append(p.name)
    return (out + [None] * n)[:n]


def _argnums(argnums, args: list[Any], names: list[str | None]) -> list[int]:
    if argnums is None:
        picked = [a for a, x in enumerate(args) if np.asarray(x).dtype.kind == "f"]
        if not picked:
            raise ValueError("no floating-point argument to differentiate; pass argnums=")
        return picked
    items = [argnums] if isinstance(argnums, (int, str)) else list(argnums)
    out = []
    for item in items:
        if isinstance(item, str):
            if item not in names:
                raise ValueError(f"argnums names {item!r}, which is not a positional parameter of f ({', '.join(n for n in names if n)})")
            item = names.index(item)
        if not isinstance(item, (int, np.integer)) or not -len(args) <= item < len(args):
            raise ValueError(f"argnums must hold positions 0..{len(args) - 1} or parameter names (got {item!r})")
        out.append(int(item) % len(args))
    if len(set(out)) != len(out):
        raise ValueError(f"argnums repeats an argument ({argnums!r})")
    return out


def _where(fn: Callable[..., Any]) -> Location | None:
    """The gradient function's ``def`` line, shown beside its findings."""
    try:
        path = inspect.getsourcefile(fn)
        line = inspect.getsourcelines(fn)[1]
    except (TypeError, OSError):
        return None
    return Location(path, line) if path else None


def _rng(seed: int, stream: int) -> np.random.Generator:
    """A generator of its own: never the stream a caller who also picked seed 0 drew their inputs from."""
    return np.random.default_rng([SALT, stream, seed])


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


def _raised(target: str, exc: BaseException, when: str, location: Location | None) -> Finding:
    """GC101, located at the deepest frame of the raising code that sits in the reported file."""
    where = None
    frames = traceback.extract_tb(exc.__traceback__)
    if location is not None:
        mine = [fr for fr in frames if fr.filename == location.file and fr.lineno]
        if mine:
            where = Location(location.file, mine[-1].lineno or location.line)
    return Finding("GC101", target, words.raised(target, exc, when), tags=("runtime-error",), location=where,
                   stats={"exception": type(exc).__name__})  # fmt: skip


# --------------------------------------------------------------------------- the first calls


def _first_calls(job: _Job, analytic_fn, is_vjp: bool, seed: int) -> tuple[int, list[np.ndarray | None] | None]:
    """Call f and the gradient once at the given point. Returns (itemsize, gradients), the
    gradients None when nothing can be compared; the problems go to ``job.findings``."""
    fname = _name(job.f)
    saved = [np.copy(job.args[a]) for a in job.wrt]
    began = time.perf_counter()
    try:
        out = job.f(*job.args)
    except Exception as exc:  # noqa: BLE001
        job.findings.append(_raised(fname, exc, "at the given arguments", job.location))
        return 8, None
    job.per_eval = max(time.perf_counter() - began, 1e-6)
    if any(not np.array_equal(s, job.args[a], equal_nan=True) for s, a in zip(saved, job.wrt)):
        job.findings.append(Finding("GC107", fname, words.mutated(fname, "f"), tags=("inplace-mutation",)))
        return 8, None
    value = np.asarray(out) if not isinstance(out, np.matrix) else None
    if value is None or value.dtype.kind not in "fiu":
        job.findings.append(Finding("GC102", fname, words.bad_value_type(fname, out), tags=("wrong-type",)))
        return 8, None
    if not is_vjp and value.size != 1:
        raise ValueError(f"{fname} returns an array of shape {value.shape}: grad= needs a scalar f; pass vjp=(dout, *args) -> grads instead")
    if not np.all(np.isfinite(value)):
        job.findings.append(Finding("GC105", fname, words.not_finite_value(fname), tags=("not-finite",)))
        return 8, None
    sizes = [job.args[a].dtype.itemsize for a in job.wrt if job.args[a].dtype.kind == "f"]
    itemsize = min(sizes + ([value.dtype.itemsize] if value.dtype.kind == "f" else []), default=8)
    if is_vjp:
        job.dout = _rng(seed, 1).standard_normal(value.shape)
    return itemsize, _gradients(job, analytic_fn, is_vjp)


def _gradients(job: _Job, analytic_fn, is_vjp: bool) -> list[np.ndarray | None] | None:
    """The analytic gradients, one per differentiated argument (None where unusable)."""
    gname = _name(analytic_fn)
    try:
        got = analytic_fn(job.dout, *[np.copy(a) if isinstance(a, np.ndarray) else a for a in job.args]) if is_vjp \
            else analytic_fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in job.args])  # fmt: skip
    except Exception as exc:  # noqa: BLE001
        job.findings.append(_raised(gname, exc, "at the given arguments", job.location))
        return None
    n = len(job.wrt)
    if isinstance(got, (tuple, list)) and len(got) == len(job.args) and n != len(job.args):
        got = [got[a] for a in job.wrt]  # one per argument: keep the differentiated ones
    elif n == 1 and not isinstance(got, (tuple, list)):
        got = [got]
    if not isinstance(got, (tuple, list)) or len(got) != n:
        job.findings.append(Finding("GC102", gname, words.bad_count(gname, got, n, job.labels), tags=("wrong-type",), location=job.location))
        return None
    out: list[np.ndarray | None] = []
    for k, g in enumerate(got):
        out.append(_one_gradient(job, k, g, gname))
    return out if any(g is not None for g in out) else None


def _one_gradient(job: _Job, k: int, g: Any, gname: str) -> np.ndarray | None:
    arg = job.args[job.wrt[k]]
    target, label = job.targets[k], job.labels[k]
    arr = None if isinstance(g, np.matrix) else np.asarray(g) if isinstance(g, (np.ndarray, np.generic, float, int)) else None
    if arr is None or arr.dtype.kind not in "fiu" or (arr.dtype.kind != "f" and arg.dtype.kind == "f" and arr.ndim):
        job.findings.append(Finding("GC102", target, words.bad_grad_type(gname, label, g), tags=("wrong-type",), location=job.location))
        return None
    if arr.shape != arg.shape:
        tags = ("shape", "transpose") if arr.ndim == 2 and arr.shape == arg.shape[::-1] else ("shape",)
        job.findings.append(Finding("GC104", target, words.bad_shape(gname, label, arr.shape, arg.shape, "transpose" in tags), tags=tags,
                                    location=job.location, stats={"got_shape": list(arr.shape), "expected_shape": list(arg.shape)}))  # fmt: skip
        return None
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))
        job.findings.append(Finding("GC105", target, words.not_finite_grad(gname, label, tuple(int(i) for i in bad[0]) if arr.ndim else (), int(len(bad))),
                                    tags=("not-finite",), location=job.location))  # fmt: skip
        return None
    return np.asarray(arr, dtype=np.float64)


# --------------------------------------------------------------------------- finite differences


def _finite_differences(job: _Job, analytic: list[np.ndarray | None], itemsize: int, rtol: float, mode: str,
                        n_dirs: int | None, n_samples: int | None, seed: int) -> str:  # fmt: skip
    """Run the check on the arguments whose gradients are usable; findings go to ``job``.
    Returns how it ran, in words."""
    which = [k for k, g in enumerate(analytic) if g is not None]
    thetas = [job.args[job.wrt[k]] for k in which]
    grads = [analytic[k] for k in which]
    total = sum(t.size for t in thetas)
    budget = max(32, int(FD_BUDGET / job.per_eval))
    cheap = 2 * total <= max(budget, 2 * ELEMENTWISE_LIMIT if job.per_eval < 1e-3 else 0)
    cost = job.cost(which)
    try:
        if mode == "elementwise" or (mode == "auto" and cheap):
            _elementwise(job, which, thetas, grads, cost, itemsize, rtol)
            return words.how_elementwise(total)
        k = _directional(job, which, thetas, grads, cost, itemsize, rtol, n_dirs or DIRECTIONS,
                         SAMPLES if n_samples is None else n_samples, _rng(seed, 2))  # fmt: skip
        return words.how_directional(k, total)
    except _Raised as exc:
        cause = exc.__cause__ or exc
        job.findings.append(_raised(_name(job.f), cause, "at a point θ ± h·v of the finite differences", job.location))
        return "finite differences stopped: f raised"


def _elementwise(job: _Job, which: list[int], thetas: list[np.ndarray], grads: list[np.ndarray], cost, itemsize: int, rtol: float) -> None:
    entries = [(a, i) for a, t in enumerate(thetas) for i in range(t.size)]
    base = cost(thetas)
    s = entry_slopes(cost, thetas, entries, base, itemsize, rtol)
    if not s.finite:
        job.findings.append(Finding("GC105", _name(job.f), words.not_finite_fd(_name(job.f)), tags=("not-finite",)))
        return
    kinks, start = 0, 0
    for k, theta, g in zip(which, thetas, grads):
        numeric = s.slopes[start : start + theta.size].reshape(theta.shape)
        kinked = s.kinked[start : start + theta.size].reshape(theta.shape)
        start += theta.size
        result = compare(g, numeric, rtol, atol=s.noise)
        if not result.ok and kinked.any():  # entries across a kink say nothing about the gradient
            kinks += int(kinked.sum())
            result = _masked(g, numeric, ~kinked, rtol, s.noise)
        if not result.ok:
            job.findings.append(_mismatch(job, k, g, numeric, ~kinked, result, rtol))
    if kinks:
        job.findings.append(Finding("GC402", _name(job.f), words.kinks(kinks, "finite-difference entries")))


def _masked(g: np.ndarray, numeric: np.ndarray, keep: np.ndarray, rtol: float, noise: float) -> Comparison:
    """compare() on the kept entries, with the worst rows' indices back in the argument's shape."""
    result = compare(g[keep], numeric[keep], rtol, atol=noise)
    places = np.argwhere(keep) if g.ndim else np.zeros((1, 0), dtype=int)
    rows = tuple((tuple(int(i) for i in places[j]), got, exp) for (j,), got, exp in result.worst)
    return Comparison(result.ok, result.mismatched, result.total, result.max_abs, result.max_rel, rows, result.rtol)


def _mismatch(job: _Job, k: int, g: np.ndarray, numeric: np.ndarray, keep: np.ndarray, result: Comparison, rtol: float,
              sampled: bool = False) -> Finding:  # fmt: skip
    """GC302 when one constant factor explains every compared entry, GC301 otherwise."""
    ratio = fit_ratio(g[keep], numeric[keep], rtol) if keep.any() else None
    stats = {"mismatched": result.mismatched, "total": result.total, "max_abs_error": result.max_abs, "max_rel_error": result.max_rel,
             "rtol": rtol, "worst": [[list(i), got, exp] for i, got, exp in result.worst]}  # fmt: skip
    if g.ndim == 2 and not sampled and np.size(g) <= 4096:
        stats["error_map"] = (g - numeric).tolist()
        stats["expected_scale"] = float(np.max(np.abs(numeric))) if numeric.size else 0.0
    label, target = job.labels[k], job.targets[k]
    shapes = [np.shape(a) for a in job.args if isinstance(a, np.ndarray)]
    if ratio is not None and not np.isclose(ratio, 1.0, rtol=1e-6, atol=0.0):
        stats["ratio"] = ratio
        tags, text, hint = words.scale(label, ratio, shapes)
        return Finding("GC302", target, text + words.worst_sentence(label, result), tags=tags, hint=hint, stats=stats, location=job.location)
    tags = ()
    if g.ndim == 2 and g.shape[0] == g.shape[1] and keep.all() and compare(g.T, numeric, rtol, worst=0).ok:
        tags = ("transpose",)
    text, hint = words.mismatch(label, _name(job.f), result, tags, sampled)
    return Finding("GC301", target, text, tags=tags, hint=hint, stats=stats, location=job.location)


def _directional(job: _Job, which: list[int], thetas: list[np.ndarray], grads: list[np.ndarray], cost, itemsize: int,
                 rtol: float, k: int, samples: int, rng: np.random.Generator) -> int:  # fmt: skip
    """Random directions through every argument at once; after a mismatch, directions through
    each argument alone and a few entries of each, one at a time, name the argument and an entry."""
    h = float(max(float(np.max(fd.step(t, itemsize))) for t in thetas))
    shapes = [t.shape for t in thetas]
    joint = direction_slopes(cost, thetas, random_directions(shapes, k, rng), h, grads, itemsize, rtol)
    if not joint.finite:
        job.findings.append(Finding("GC105", _name(job.f), words.not_finite_fd(_name(job.f)), tags=("not-finite",)))
        return k
    kinked = int(joint.kinked.sum())
    if kinked:
        job.findings.append(Finding("GC402", _name(job.f), words.kinks(kinked, "random directions")))
    if kinked == k:
        return 0
    if not disagreeing(joint.slopes, joint.predicted, ~joint.kinked, rtol, joint.noise).any():
        return k - kinked
    named, base = False, cost(thetas)
    for a, (kk, g) in enumerate(zip(which, grads)):
        picks = sample_entries(g, None, samples, rng) if samples else np.zeros(0, dtype=np.int64)
        entries = entry_slopes(cost, thetas, [(a, int(i)) for i in picks], base, itemsize, rtol) if len(picks) else None
        finding = _sampled_finding(job, kk, g, picks, entries, rtol)
        if finding is None:  # the sampled entries agree: directions through this argument alone
            alone = direction_slopes(cost, thetas, random_directions(shapes, max(2, k // 2), rng, only=a), h, grads, itemsize, rtol)
            finding = _directions_finding(job, kk, alone, len(picks), rtol)
        if finding is not None:
            job.findings.append(finding)
            named = True
    if not named:
        result = compare(joint.predicted[~joint.kinked], joint.slopes[~joint.kinked], rtol, atol=joint.noise)
        job.findings.append(Finding("GC301", _name(job.f), words.joint_only(_name(job.f), result), location=job.location,
                                    stats={"max_rel_error": result.max_rel, "rtol": rtol}))  # fmt: skip
    return k - kinked


def _sampled_finding(job: _Job, k: int, g: np.ndarray, picks: np.ndarray, entries: Slopes | None, rtol: float) -> Finding | None:
    """The finding for one argument whose entries, checked one by one, disagree (None if they agree)."""
    if entries is None or not entries.finite:
        return None
    keep = ~entries.kinked
    got = g.reshape(-1)[picks]
    result = compare(got[keep], entries.slopes[keep], rtol, atol=entries.noise, worst=len(picks))
    if result.ok:
        return None
    places = picks[keep]
    rows = tuple((tuple(int(i) for i in np.unravel_index(int(places[j]), g.shape)), a, b) for (j,), a, b in result.worst)
    result = Comparison(False, result.mismatched, result.total, result.max_abs, result.max_rel, rows, rtol)
    return _mismatch(job, k, got[keep], entries.slopes[keep], np.ones(int(keep.sum()), dtype=bool), result, rtol, sampled=True)


def _directions_finding(job: _Job, k: int, alone: Slopes, n_picks: int, rtol: float) -> Finding | None:
    """The finding for one argument whose own random directions disagree (None if they agree)."""
    assert alone.predicted is not None
    keep = ~alone.kinked
    if not alone.finite or not keep.any():
        return None
    result = compare(alone.predicted[keep], alone.slopes[keep], rtol, atol=alone.noise)
    if result.ok:
        return None
    text, hint = words.directions_only(job.labels[k], _name(job.f), result, n_picks)
    return Finding("GC301", job.targets[k], text, hint=hint, location=job.location, stats={"max_rel_error": result.max_rel, "rtol": rtol})


# --------------------------------------------------------------------------- the report


def _report(job: _Job, analytic_fn, checks: list[CheckResult], seed: int, rtol: float, itemsize: int, how: str, seconds: float) -> GradReport:
    from ._version import __version__

    path = job.location.file if job.location else "<unknown>"
    try:
        source = Path(path).read_text(encoding="utf-8") if job.location else ""
    except (OSError, UnicodeDecodeError):
        source = ""
    passed = not any(x.level == "error" for x in job.findings)
    return GradReport(
        assignment="check_grads", title=f"gradients of {_name(job.f)} by {_name(analytic_fn)}", file=path, seed=seed, passed=passed,
        score=float(sum(c.points for c in checks)), max_score=float(len(checks)), checks=checks, findings=list(job.findings),
        trials=[how] if how else [], rules=words.rules(rtol, itemsize, job.dout is not None), seconds=seconds, source=source,
        version=__version__, limits={"process": "the caller's (no sandbox)"},
    )  # fmt: skip
