"""Finite differences of J through the student's own forward pass and cost.

Element by element for small networks, random directions through all parameters at once
for big ones (see docs/finite-differences.md), batched in few requests to the child.
This layer only observes: the judge compares.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..sandbox.runner import Failure, Sandbox
from ..spec.model import Spec
from . import fd
from .background import Background, Ready
from .compare import close
from .local_fd import disagreeing
from .templates import leaves
from .trials import Trial

ELEMENTWISE_LIMIT = 4000  # parameters checked element by element at most; more use directions
SAMPLES = 4  # entries per parameter checked one by one when random directions disagree
DIRECTIONS = 4  # joint random directions at large sizes: see docs/finite-differences.md for what k catches
FD_BUDGET = 0.25  # seconds of the student's forward+cost evaluations the finite-difference check may spend


@dataclass
class FDResult:
    """Finite differences of J through the student's forward and cost, on trial 1."""

    failure: Failure | None = None
    numeric: dict[str, np.ndarray] = field(default_factory=dict)  # per parameter, elementwise
    kinks: dict[str, np.ndarray] = field(default_factory=dict)
    directional: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # (directions, slopes)
    joint: tuple[list[dict[str, np.ndarray]], np.ndarray] | None = None  # directions over all parameters, slopes
    itemsize: int = 8
    evaluations: int = 0
    noise: float = 0.0  # rounding noise of one central difference: a floor under the comparison
    kinked_directions: int = 0
    sampled: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)  # after a mismatch: (flat indices, slopes, kinked)


@dataclass
class Exhaustive:
    """--exhaustive: every element, in chunks, with a time estimate and progress reports."""

    estimate: Any = None  # called with (evaluations, seconds each) before starting
    progress: Any = None  # called with (done, total) after each chunk
    chunk: int = 400


@dataclass
class FDOptions:
    """How the finite-difference check through the student's code is run."""

    exhaustive: Exhaustive | None = None
    directions: int | None = None  # random directions when forward passes are expensive (default 4)
    samples: int | None = None  # entries per parameter checked one by one after a directional mismatch (default 4)


def joint_directions(shapes: tuple, k: int, seed: int = 12345) -> tuple[list, list, list]:
    """k random unit directions through all parameters at once (seeded: the same every run).
    Stored in float32 (half the bytes to send; the child and the grader both use exactly
    these values, in float64 arithmetic)."""
    rng = np.random.default_rng(seed)
    directions: list[np.ndarray] = []
    joint_dirs: list[dict[str, np.ndarray]] = []
    entries = []
    for _ in range(k):
        parts = {name: rng.standard_normal(shape) for name, shape in shapes}
        norm = float(np.sqrt(sum(float(np.sum(v * v)) for v in parts.values())))
        entry = []
        for name, v in parts.items():
            v = (v / norm).astype(np.float32)
            directions.append(v)
            entry.append({"param": name, "direction": len(directions) - 1})
        joint_dirs.append({name: directions[e["direction"]] for name, e in zip(parts, entry)})
        entries.append(entry)
    return directions, joint_dirs, entries


def prepare_directions(spec: Spec, trial: Trial, n_directions: int | None) -> Background | None:
    """Start drawing the joint directions early when the parameters are many (they will be used)."""
    if not spec.student_cost or any(p not in trial.env for p in spec.parameters):
        return None
    shapes = tuple((name, np.shape(trial.env[name])) for name in spec.parameters)
    if sum(int(np.prod(s)) for _, s in shapes) <= ELEMENTWISE_LIMIT:
        return None
    k = n_directions or DIRECTIONS  # what run() picks
    made = _JOINT.get((shapes, k))
    if made is not None:
        return Ready(made, key=(shapes, k))  # seeded: the same directions as the last grade's
    return Background(lambda: _remember_joint(shapes, k), key=(shapes, k))


_JOINT: dict[tuple, tuple] = {}  # the last joint directions drawn (seeded: the same every time for these shapes)


def clear_directions() -> None:
    """Forget the joint directions kept for the next grade (the next one draws them again)."""
    _JOINT.clear()


def _remember_joint(shapes: tuple, k: int) -> tuple:
    made = joint_directions(shapes, k)
    for v in made[0]:
        v.flags.writeable = False  # lent to the next grade: nothing may change them
    _JOINT.clear()
    _JOINT[(shapes, k)] = made
    return made


def _step_args(spec: Spec, step, arity: tuple[int, int] | None) -> tuple:
    """A student_cost step's arguments, in the older signature when the student wrote that one."""
    if arity is None or arity[0] <= len(step.args) <= arity[1]:
        return step.args
    for f in spec.functions:
        if f.call == step.call:
            for alt in f.alternatives:
                if alt.args is not None and arity[0] <= len(alt.args) <= arity[1]:
                    extra = alt.args[len(f.args) :] if tuple(alt.args[: len(f.args)]) == tuple(f.args) else ()
                    return tuple(step.args) + tuple(extra)
    return step.args


def _joint_kinks(sandbox: Sandbox, steps: list, env: dict, perturb: list, directions, slopes: np.ndarray, predicted: np.ndarray,
                 kinked: np.ndarray, rtol: float, out: FDResult, deadline: float) -> None:  # fmt: skip
    """Mark the random directions that straddle a kink (in ``kinked``). Only a direction that
    disagrees can change the verdict, so only those are looked at again with half the step;
    dropping one shrinks the scale of the rest, so the look repeats until nothing new disagrees."""
    tried = np.zeros(len(slopes), dtype=bool)
    while True:
        new = disagreeing(slopes, predicted, ~kinked, rtol, out.noise) & ~tried
        if not new.any():
            return
        tried |= new
        idx = np.flatnonzero(new)
        kinked[idx] = _kinks(sandbox, steps, env, [perturb[i] for i in idx], directions, slopes[idx], rtol, out, deadline)


@dataclass
class _Plan:
    """What one finite-difference request asks: the perturbations and how to read them back."""

    perturb: list = field(default_factory=list)  # one request item per perturbation
    parts: list = field(default_factory=list)  # (parameter or "", kind, count, h), in perturbation order
    directions: list = field(default_factory=list)  # sent once; perturbations name them by index
    joint_dirs: list = field(default_factory=list)  # the joint directions, per parameter


def _measure(sandbox: Sandbox, steps: list, env: dict, hint: tuple[float, int] | None) -> tuple[float, int] | Failure:
    """(seconds per evaluation, itemsize): from the graded calls, or a first, cheap request
    learns the cost and the precision the student computes in."""
    if hint is not None:
        return hint
    probe = sandbox.pipeline(steps, env, [])
    if not probe.ok:
        return probe.failure or Failure("protocol", "ProtocolError", "no finite-difference reply")
    itemsize = int(probe.header.get("itemsize", 8)) if isinstance(probe.header.get("itemsize"), int) else 8
    seconds = probe.header.get("seconds")
    return (float(seconds) if isinstance(seconds, (int, float)) and seconds > 0 else 1e-3), itemsize


def _plan(spec: Spec, env: dict, itemsize: int, per_eval: float, options: FDOptions, prepared: Background | None) -> _Plan:
    """Element by element when affordable; random directions otherwise."""
    exhaustive = options.exhaustive
    budget = max(32, int(FD_BUDGET / per_eval))  # evaluations we can afford
    total = sum(env[p].size for p in spec.parameters)
    elementwise_ok = 2 * total <= max(budget, 2 * ELEMENTWISE_LIMIT if per_eval < 1e-3 else 0) or exhaustive is not None
    if exhaustive is not None and exhaustive.estimate:
        exhaustive.estimate(2 * total, per_eval)
    k_dirs = max(2, min(DIRECTIONS, budget // max(1, 2 * len(spec.parameters))))
    plan = _Plan()
    rng = np.random.default_rng(12345)
    if not elementwise_ok:
        # Expensive forward passes: random directions through all parameters at once. A wrong
        # gradient block changes the directional derivative unless the direction happens to be
        # orthogonal to its error (see docs/finite-differences.md for the bound).
        k = options.directions or DIRECTIONS
        h = float(max(np.max(fd.step(env[name], itemsize)) for name in spec.parameters))
        shapes = tuple((name, env[name].shape) for name in spec.parameters)
        made = prepared.get() if prepared is not None and prepared.key == (shapes, k) else None
        directions, joint_dirs, entries = made if made is not None else joint_directions(shapes, k)
        plan.directions, plan.joint_dirs = list(directions), list(joint_dirs)  # (the arrays may be lent: read-only)
        plan.perturb += [{"joint": entry, "h": h} for entry in entries]
        plan.parts.append(("", "joint", k, h))
    for name in spec.parameters if elementwise_ok else ():
        theta = env[name]
        h = fd.step(theta, itemsize)
        if exhaustive is not None or (theta.size <= ELEMENTWISE_LIMIT and (elementwise_ok or theta.size <= k_dirs)):
            for i in range(theta.size):
                plan.perturb.append({"param": name, "index": i, "h": float(h.reshape(-1)[i])})
            plan.parts.append((name, "elementwise", theta.size, h))
        else:
            scale = float(np.max(h))
            for _ in range(k_dirs):
                v = rng.standard_normal(theta.shape)
                v /= np.linalg.norm(v)
                plan.directions.append(v)
                plan.perturb.append({"param": name, "direction": len(plan.directions) - 1, "h": scale})
            plan.parts.append((name, "directional", k_dirs, scale))
    return plan


def _request_all(sandbox: Sandbox, steps: list, env: dict, plan: _Plan, deadline: float, exhaustive: Exhaustive | None,
                 per_eval: float, base: bool, on_sent) -> tuple | Failure:  # fmt: skip
    """(J at every θ + h·v, J at every θ − h·v, J at θ or None), in one request or (exhaustive) in chunks."""
    perturb = plan.perturb
    size = exhaustive.chunk if exhaustive is not None else max(1, len(perturb))
    plus_parts, minus_parts, j = [], [], None
    for start in range(0, max(1, len(perturb)), size):
        if exhaustive is None:
            timeout = max(1.0, deadline - time.perf_counter())
        else:  # the user asked for it: allow the chunk's estimated time, generously
            timeout = max(sandbox.timeout, 10 * per_eval * 2 * size + 5)
        got = _evaluate(sandbox, steps, env, perturb[start : start + size], plan.directions, timeout, base=base, on_sent=on_sent)
        if isinstance(got, Failure):
            return got
        plus_parts.append(got[0])
        minus_parts.append(got[1])
        j = got[2]
        if exhaustive is not None and exhaustive.progress:
            exhaustive.progress(min(start + size, len(perturb)), len(perturb))
    return np.concatenate(plus_parts), np.concatenate(minus_parts), j


def _fill(out: FDResult, plan: _Plan, env: dict, slopes_all: np.ndarray, kinked_all: np.ndarray) -> np.ndarray | None:
    """Store the slopes by parameter; the joint directions kept (not across a kink), if any."""
    k = 0
    dir_k = 0
    kept = None
    for name, kind, count, _h in plan.parts:
        slopes, kinked = slopes_all[k : k + count], kinked_all[k : k + count]
        if kind == "joint":
            kept = ~kinked  # directions across a kink say nothing about the gradient
            out.joint = ([d for d, keep in zip(plan.joint_dirs, kept) if keep], slopes[kept])
            out.kinked_directions = int(kinked.sum())
        elif kind == "elementwise":
            out.numeric[name] = slopes.reshape(env[name].shape)
            out.kinks[name] = kinked.reshape(env[name].shape)
        else:
            keep = ~kinked if (~kinked).any() else np.ones(count, dtype=bool)
            out.directional[name] = (np.stack(plan.directions[dir_k : dir_k + count])[keep], slopes[keep])
            dir_k += count
        k += count
    return kept


def run(sandbox: Sandbox, spec: Spec, trial: Trial, deadline: float, options: FDOptions, arities: dict | None = None,
                prepared: Background | None = None, analytic: dict[str, np.ndarray] | None = None,
                hint: tuple[float, int] | None = None, on_sent=None) -> FDResult:  # fmt: skip
    """Central differences of J through the student's functions, batched in one request.
    ``analytic``: the student's parameter gradients; ``hint``: (seconds per evaluation,
    itemsize) from the graded calls, or None to measure."""
    samples = SAMPLES if options.samples is None else options.samples
    trial.complete()
    steps = [{"call": s.call, "args": list(_step_args(spec, s, (arities or {}).get(s.call))), "bind": s.bind} for s in spec.student_cost]
    needed = {n for s in steps for a in s["args"] for n in leaves(a)}
    env = {k: np.asarray(trial.env[k], dtype=np.float64) for k in needed if k in trial.env}
    measured = _measure(sandbox, steps, env, hint)
    if isinstance(measured, Failure):
        return FDResult(failure=measured)
    per_eval, itemsize = measured
    plan = _plan(spec, env, itemsize, per_eval, options, prepared)
    perturb = plan.perturb
    # Random directions need no J(θ): kinks are looked for only among directions that disagree.
    joint = len(plan.parts) == 1 and plan.parts[0][1] == "joint" and analytic is not None
    got = _request_all(sandbox, steps, env, plan, deadline, options.exhaustive, per_eval, not joint, on_sent)
    if isinstance(got, Failure):
        return FDResult(failure=got, itemsize=itemsize)
    plus, minus, base = got
    if plus.shape != (len(perturb),) or minus.shape != (len(perturb),):
        return FDResult(failure=Failure("protocol", "ProtocolError", "wrong number of finite-difference values"))
    if not (np.all(np.isfinite(plus)) and np.all(np.isfinite(minus)) and (base is None or np.isfinite(base))):
        # Nothing can be compared with a NaN or an infinite cost (and a NaN must never pass).
        return FDResult(failure=Failure("not-finite", message="your cost is NaN or infinite at some θ ± h·v"), itemsize=itemsize)
    eps = float(np.finfo(fd.dtype_name(itemsize)).eps)
    h_min = min((float(item["h"]) for item in perturb), default=1.0)
    j_size = abs(base) if base is not None else float(np.max(np.abs(np.concatenate([plus, minus]))))  # J(θ ± h·v) ≈ J(θ)
    out = FDResult(itemsize=itemsize, evaluations=2 * len(perturb) + (base is not None), noise=4 * eps * max(1.0, j_size) / h_min)
    rtol = spec.tolerance.for_dtype(fd.dtype_name(itemsize), fd=True)
    steps_h = np.array([float(item["h"]) for item in perturb])
    slopes_all = fd.central(plus, minus, steps_h)
    kinked_all = np.zeros(len(perturb), dtype=bool)
    predicted = None
    if joint:
        predicted = np.array([sum(float(np.sum(d[p] * analytic[p])) for p in spec.parameters) for d in plan.joint_dirs])
        _joint_kinks(sandbox, steps, env, perturb, plan.directions, slopes_all, predicted, kinked_all, rtol, out, deadline)
    elif options.exhaustive is None and base is not None:
        # Where the one-sided slopes disagree, look again with half the step: a kink shows up as
        # central differences that change with the step; mere curvature does not.
        doubtful = np.flatnonzero(fd.suspicious(base, plus, minus, steps_h, rtol))
        kinked_all[doubtful] = _kinks(sandbox, steps, env, [perturb[i] for i in doubtful], plan.directions, slopes_all[doubtful], rtol, out, deadline)
    kept = _fill(out, plan, env, slopes_all, kinked_all)
    if kept is not None and predicted is not None and kept.any() and not close(predicted[kept], slopes_all[kept], rtol, atol=out.noise) and samples:
        _localize(sandbox, spec, steps, env, trial, analytic, samples, itemsize, rtol, out, deadline)
    return out


def _evaluate(sandbox: Sandbox, steps: list, env: dict, perturb: list, directions, timeout: float, base: bool = True, on_sent=None):
    """(J at θ + h·v, J at θ − h·v, J at θ) for each perturbation, in one request; or a Failure."""
    from ..sandbox import wire

    reply = sandbox.pipeline(steps, env, perturb, directions, timeout=timeout, base=base, on_sent=on_sent)
    if not reply.ok:
        return reply.failure
    try:
        plus = wire.decode_array(reply.header["plus"], reply.blobs).astype(np.float64)
        minus = wire.decode_array(reply.header["minus"], reply.blobs).astype(np.float64)
        j = float(reply.header["base"]) if base else None
    except (KeyError, TypeError, ValueError, OverflowError, wire.WireError):  # 10**400 is an int float() refuses
        return Failure("protocol", "ProtocolError", "malformed finite-difference reply")
    if plus.shape != (len(perturb),) or minus.shape != (len(perturb),):
        return Failure("protocol", "ProtocolError", "wrong number of finite-difference values")
    return plus, minus, j


def _kinks(sandbox: Sandbox, steps: list, env: dict, doubtful: list, directions, slopes: np.ndarray, rtol: float, out: FDResult,
           deadline: float) -> np.ndarray:  # fmt: skip
    """Which doubtful perturbations straddle a kink: their central differences change with half the step."""
    if not doubtful:
        return np.zeros(0, dtype=bool)
    again = [dict(item, h=float(item["h"]) / 2) for item in doubtful]
    got = _evaluate(sandbox, steps, env, again, directions, max(1.0, deadline - time.perf_counter()), base=False)
    if isinstance(got, Failure):
        return np.zeros(len(doubtful), dtype=bool)
    out.evaluations += 2 * len(again)
    half = fd.central(got[0], got[1], np.array([item["h"] for item in again]))
    return fd.kinks_from_halving(slopes, half, rtol, out.noise)


def sample_entries(student: np.ndarray, reference: np.ndarray | None, count: int, rng: np.random.Generator) -> np.ndarray:
    """Flat indices to check one by one after a directional mismatch: where the student's
    gradient departs most from the reference (half of them, when it does), the entry of
    largest magnitude, and the rest uniformly at random (seeded)."""
    flat = np.abs(np.asarray(student, dtype=np.float64).reshape(-1))
    count = min(count, flat.size)
    picks: list[int] = []
    if reference is not None and np.shape(reference) == np.shape(student):
        gap = np.abs(np.asarray(student, dtype=np.float64) - np.asarray(reference, dtype=np.float64)).reshape(-1)
        wanted = (count + 1) // 2
        if np.count_nonzero(gap) and wanted:
            top = np.argpartition(-gap, min(wanted, gap.size) - 1)[:wanted]
            picks += [int(i) for i in top[np.argsort(-gap[top], kind="stable")] if gap[i] > 0]
    if len(picks) < count:
        biggest = int(np.argmax(flat))
        if biggest not in picks:
            picks.append(biggest)
    rest = [int(i) for i in rng.permutation(flat.size)[: count + len(picks)] if int(i) not in picks]
    return np.array((picks + rest)[:count], dtype=np.int64)


def _localize(sandbox: Sandbox, spec: Spec, steps: list, env: dict, trial: Trial, analytic: dict[str, np.ndarray], samples: int,
              itemsize: int, rtol: float, out: FDResult, deadline: float) -> None:  # fmt: skip
    """After a directional mismatch: central differences of a few entries of every parameter,
    one at a time, so the report can say which gradient disagrees and where."""
    rng = np.random.default_rng(54321)
    grad_names = {g.wrt: g.name for g in spec.backward if not g.per_example}
    perturb, owners = [], []
    value_rtol = spec.tolerance.for_dtype(fd.dtype_name(itemsize))
    for p in spec.parameters:
        reference = trial.env.get(grad_names.get(p, ""))
        if reference is not None and np.shape(reference) == analytic[p].shape and close(analytic[p], reference, value_rtol):
            reference = None  # right by the reference's rule: its rounding differences say nothing of where to look
        picks = sample_entries(analytic[p], reference, samples, rng)
        h = fd.step(env[p], itemsize).reshape(-1)
        perturb += [{"param": p, "index": int(i), "h": float(h[i])} for i in picks]
        owners.append((p, picks))
    got = _evaluate(sandbox, steps, env, perturb, (), max(1.0, deadline - time.perf_counter()))
    if isinstance(got, Failure):
        return
    plus, minus, base = got
    steps_h = np.array([item["h"] for item in perturb])
    slopes = fd.central(plus, minus, steps_h)
    out.evaluations += 2 * len(perturb) + 1
    doubtful = np.flatnonzero(fd.suspicious(base, plus, minus, steps_h, rtol))
    kinked = np.zeros(len(perturb), dtype=bool)
    kinked[doubtful] = _kinks(sandbox, steps, env, [perturb[i] for i in doubtful], (), slopes[doubtful], rtol, out, deadline)
    k = 0
    for p, picks in owners:
        out.sampled[p] = (picks, slopes[k : k + len(picks)], kinked[k : k + len(picks)])
        k += len(picks)
