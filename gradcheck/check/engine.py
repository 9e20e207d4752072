"""Run a submission against the spec's trials and record what it did.

This layer only observes: calls, returned trees, captured locals, mutations,
finite differences through the student's own code. Judging happens later.
"""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..sandbox.runner import Failure, Sandbox
from ..spec.model import Limits, Spec, student_refs
from . import fd
from .compare import close
from .templates import Leaf, Matched, build, decode_plain, leaves, match, parse_student_ref
from .trials import Trial

MAX_SOURCE = 4 << 20
ELEMENTWISE_LIMIT = 4000  # parameters checked element by element at most; more use directions
SAMPLES = 4  # entries per parameter checked one by one when random directions disagree
DIRECTIONS = 4  # joint random directions at large sizes: see docs/finite-differences.md for what k catches
FD_BUDGET = 0.25  # seconds of the student's forward+cost evaluations the finite-difference check may spend


@dataclass
class CallResult:
    function: str
    trial: Trial
    failure: Failure | None = None
    matched: Matched | None = None
    locals: dict[str, Leaf] = field(default_factory=dict)
    mutated: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    convention: str | None = None  # the label of the older API generation used, if any


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
class Observations:
    spec: Spec
    path: Path
    source: str
    trials: list[Trial]
    syntax_error: tuple[int | None, int | None, str] | None = None
    import_failure: Failure | None = None
    defined: list[str] = field(default_factory=list)
    provided: list[str] = field(default_factory=list)
    missing: dict[str, str | None] = field(default_factory=dict)  # function -> suggestion
    calls: dict[tuple[str, int], CallResult] = field(default_factory=dict)
    repeats: dict[str, CallResult] = field(default_factory=dict)
    fd: FDResult | None = None
    unavailable: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # function -> why it was not called again
    seconds: float = 0.0
    startup: float = 0.0  # of it, waiting for the child process to start (Python, numpy)
    closing: Closing | None = None

    @property
    def output(self) -> str:
        """What the submission printed (waits for its process to be gone)."""
        return self.closing.result()[0] if self.closing is not None else ""

    @property
    def output_truncated(self) -> bool:
        return self.closing.result()[1] if self.closing is not None else False


class Closing:
    """The child let go on a helper thread (Sandbox.finish), while the judge works. Its output
    is read when it is wanted."""

    def __init__(self, sandbox: Sandbox) -> None:
        import threading

        self._sandbox = sandbox
        self._thread = threading.Thread(target=sandbox.finish, daemon=True)
        self._thread.start()

    def result(self) -> tuple[str, bool]:
        self._thread.join()
        return self._sandbox.output, self._sandbox.output_truncated


def read_source(path: Path) -> str:
    """The file's text; undecodable bytes are kept as replacement characters (see source_error)."""
    data = path.read_bytes()[: MAX_SOURCE + 1]
    if len(data) > MAX_SOURCE:
        raise ValueError(f"the file is larger than {MAX_SOURCE >> 20} MiB")
    return data.decode(_encoding(data), errors="replace")


def _encoding(data: bytes) -> str:
    import io
    import tokenize

    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


def source_error(path: Path) -> tuple[int | None, int | None, str] | None:
    """Why Python would refuse the file before running it (encoding, NUL bytes, syntax)."""
    data = path.read_bytes()[: MAX_SOURCE + 1]
    try:
        text = data.decode(_encoding(data))
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
        line = data[:start].count(b"\n") + 1
        return line, None, "the file is not valid UTF-8 text (save it as UTF-8)"
    try:
        ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        return exc.lineno, exc.offset, exc.msg or "invalid syntax"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, None, f"the file cannot be parsed ({type(exc).__name__}: {exc})"
    return None


def make_sandbox(spec: Spec, path: Path, limits: Limits, zygote=None) -> Sandbox:
    return Sandbox(
        path,
        timeout=limits.timeout,
        memory_mb=limits.memory_mb,
        processes=limits.processes,
        output_kb=limits.output_kb,
        cpu_seconds=int(limits.total_timeout) + 10,
        helpers=spec.helpers,
        helper_modules=spec.helper_modules,
        zygote=zygote,
    )


def observe(spec: Spec, path: Path, trials: list[Trial], limits: Limits, source: str, sandbox: Sandbox | None = None,
            fd_options: FDOptions | None = None, meanwhile=None) -> Observations:  # fmt: skip
    """``meanwhile(obs)``: work on the calls' results, run on a helper thread while the child
    computes the finite differences (the grader would only wait); its errors are re-raised."""
    options = fd_options or FDOptions()
    start = time.perf_counter()
    obs = Observations(spec, path, source, trials)
    obs.syntax_error = source_error(path)
    if obs.syntax_error is not None:
        if sandbox is not None:
            sandbox.close()
        return obs
    arities = _arities(source)
    sandbox = sandbox or make_sandbox(spec, path, limits)
    prepared = prepare_directions(spec, trials[0], options.directions) if options.exhaustive is None else None
    deadline = start + limits.total_timeout
    try:
        reply = sandbox.start()
        obs.startup = sandbox.startup_wait
        obs.unavailable = sandbox.unavailable
        if not reply.ok:
            obs.import_failure = reply.failure
            return obs
        obs.defined = list(reply.header.get("functions", []))
        obs.provided = list(reply.header.get("provided", []))
        for f in spec.functions:
            if f.call not in obs.defined:
                suggestion = _suggest(f.call, f.aliases, obs.defined)
                if f.optional and suggestion is None:
                    obs.skipped[f.name] = "optional, and not defined in this file"
                    continue
                obs.missing[f.name] = suggestion
        # What a later call is fed from (the student's own cache): only that stays in the child.
        referenced = {parse_student_ref(r)[0] for t in trials for f in (t.spec or spec).functions for a in f.args for r in student_refs(a)}
        for trial in trials:
            for f in _call_order(trial, (trial.spec or spec).functions):  # a depth probe calls with its own templates
                if f.name in obs.missing or f.name in obs.skipped:
                    continue
                if trial.probe is not None and f.name not in trial.probe.functions:
                    continue
                if time.perf_counter() > deadline:
                    obs.skipped[f.name] = "the submission's total time limit was reached"
                    continue
                snap = f"repeat:{f.name}" if f.repeat and trial.index == 0 else None
                result = _call(sandbox, f, trial, arities.get(f.call), spec.shown, snapshot=snap, keep=f.name in referenced)
                obs.calls[(f.name, trial.index)] = result
                if result.failure and result.failure.kind in ("timeout", "died", "memory", "protocol"):
                    obs.skipped[f.name] = f"it failed with {result.failure.kind} in {trial.label}"
                if f.repeat and trial.index == 0 and result.failure is None:
                    obs.repeats[f.name] = _call(sandbox, f, trial, arities.get(f.call), spec.shown, compare_to=snap, keep=f.name in referenced)
        runnable = spec.student_cost and not any(s.call in obs.missing for s in spec.student_cost)
        for trial in trials:
            trial.complete()
        helpers: list[Prepared] = []

        def start_helper() -> None:  # once the child has its work: the two then share no core
            if meanwhile is not None and not helpers:
                helpers.append(Prepared(None, lambda: meanwhile(obs)))

        if runnable and (time.perf_counter() < deadline or options.exhaustive is not None):
            obs.fd = _student_fd(sandbox, spec, trials[0], deadline, options, arities, prepared, _fd_analytic(spec, obs, trials[0]),
                                 _cost_hint(spec, obs, trials[0]), on_sent=start_helper)  # fmt: skip
        start_helper()
        if helpers:
            helpers[0].get()
    finally:
        obs.closing = Closing(sandbox)
        obs.seconds = time.perf_counter() - start
    return obs


def _call_order(trial: Trial, functions) -> list:
    """The spec's order, except while the reference is still being computed (--sizes): the
    functions fed only inputs go first (L_model_forward with X), so the child works meanwhile."""
    functions = list(functions)
    if trial.pending is None:
        return functions
    ready = [f for f in functions if not any(student_refs(a) for a in f.args) and all(n in trial.env for a in f.args for n in leaves(a))]
    return ready + [f for f in functions if f not in ready]


def _suggest(name: str, aliases: tuple[str, ...], defined: list[str]) -> str | None:
    import difflib

    for alias in aliases:
        if alias in defined:
            return alias
    lowered = {d.lower(): d for d in defined}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, defined, n=1, cutoff=0.7)
    return close[0] if close else None


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


def _arities(source: str) -> dict[str, tuple[int, int]]:
    """(fewest, most) positional arguments of each function the file defines (read, not run)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = len(a.posonlyargs) + len(a.args)
            out[node.name] = (positional - len(a.defaults), 10**6 if a.vararg else positional)
    return out


def _call(sandbox: Sandbox, f, trial: Trial, arity: tuple[int, int] | None = None, shown=lambda n: n, snapshot: str | None = None,
          compare_to: str | None = None, keep: bool = True) -> CallResult:  # fmt: skip
    args_t, returns_t, label = f.args, f.returns, None
    if arity is not None and f.alternatives and not arity[0] <= len(f.args) <= arity[1]:
        for alt in f.alternatives:  # an older signature that fits what the student wrote
            if alt.args is not None and arity[0] <= len(alt.args) <= arity[1]:
                args_t, returns_t, label = alt.args, alt.returns or f.returns, alt.label
                break
    if trial.pending is not None and any(n not in trial.env for a in args_t for n in leaves(a)):
        trial.complete()  # a reference value is an argument: wait for it
    args = [build(a, trial.env) for a in args_t]
    reply = sandbox.call(f.call, args, [shown(n) for n in f.locals], keep=f.name if keep else None, snapshot=snapshot, compare_to=compare_to)  # locals by the student's names
    result = CallResult(f.name, trial, elapsed=reply.elapsed, convention=label)
    if not reply.ok:
        result.failure = reply.failure
        return result
    header, blobs = reply.header, reply.blobs
    result.matched = match(returns_t, header.get("value"), blobs, f.call)
    if result.matched.problems:
        for alt in f.alternatives:  # older key conventions
            if alt.returns is not None and alt.returns is not returns_t:
                other = match(alt.returns, header.get("value"), blobs, f.call)
                if not other.problems:
                    result.matched, result.convention = other, alt.label
                    break
    locs = header.get("locals") if isinstance(header.get("locals"), dict) else {}
    for name in f.locals:
        if shown(name) in locs:
            result.locals[name] = match(name, locs[shown(name)], blobs, f.call).leaves[name]
    after = header.get("args_after") if isinstance(header.get("args_after"), list) else []
    for template, sent, back in zip(args_t, args, after):
        result.mutated += _changed(template, sent, decode_plain(back, blobs))
    return result


def _changed(template: Any, sent: Any, back: Any) -> list[str]:
    """Names of argument leaves the function modified in place."""
    if isinstance(back, dict) and back.get("t") == "same":
        return []  # the child saw no change
    if isinstance(template, str):
        if isinstance(sent, np.ndarray):
            ok = isinstance(back, np.ndarray) and back.shape == sent.shape and np.array_equal(back, sent, equal_nan=True)
            return [] if ok else [template]
        return []
    if isinstance(template, dict):
        if not isinstance(back, dict):
            return leaves(template)
        return [n for k, sub in template.items() for n in (_changed(sub, sent[k], back[k]) if k in back else leaves(sub))]
    if not isinstance(back, list) or len(back) != len(template):
        return leaves(template)
    return [n for sub, s, b in zip(template, sent, back) for n in _changed(sub, s, b)]


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


class Prepared:
    """Work done on a helper thread while the child runs the submission (numpy's random
    generators and BLAS release the GIL): ``get()`` waits for it."""

    def __init__(self, key, fn) -> None:
        import threading

        self.key, self._fn, self._out, self._err = key, fn, None, None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._out = self._fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised by get()
            self._err = exc

    def get(self):
        self._thread.join()
        if self._err is not None:
            raise self._err
        return self._out


def prepare_directions(spec: Spec, trial: Trial, n_directions: int | None) -> Prepared | None:
    """Start drawing the joint directions early when the parameters are many (they will be used)."""
    if not spec.student_cost or any(p not in trial.env for p in spec.parameters):
        return None
    shapes = tuple((name, np.shape(trial.env[name])) for name in spec.parameters)
    if sum(int(np.prod(s)) for _, s in shapes) <= ELEMENTWISE_LIMIT:
        return None
    k = n_directions or DIRECTIONS  # what _student_fd picks: its budget is at least 32 evaluations
    return Prepared((shapes, k), lambda: joint_directions(shapes, k))


def gradient_function(spec: Spec):
    """The function that returns the most parameter gradients (the first of equals): the one
    the finite differences of the student's own cost are held against."""
    wanted = {g.name for g in spec.backward if g.wrt in spec.parameters and not g.per_example}
    scored = [(len(wanted & set(leaves(f.returns))), -i, f) for i, f in enumerate(spec.functions)]
    best = max(scored, key=lambda t: (t[0], t[1]), default=(0, 0, None))
    return best[2] if best[0] else None


def _fd_analytic(spec: Spec, obs: Observations, trial: Trial) -> dict[str, np.ndarray] | None:
    """The student's parameter gradients the judge will hold the finite differences against
    (gradient_function's call and leaves, as the judge reads them), or None when it cannot."""
    backward = gradient_function(spec)
    call = obs.calls.get((backward.name, trial.index)) if backward is not None else None
    if call is None or call.failure is not None or call.matched is None:
        return None
    grad_names = {g.wrt: g.name for g in spec.backward if not g.per_example}
    out = {}
    for p in spec.parameters:
        leaf = call.matched.leaves.get(grad_names.get(p, ""))
        if leaf is None or leaf.array is None or leaf.array.dtype.kind != "f" or leaf.array.shape != np.shape(trial.env[p]):
            return None
        out[p] = np.asarray(leaf.array, dtype=np.float64)
    return out


def _cost_hint(spec: Spec, obs: Observations, trial: Trial) -> tuple[float, int] | None:
    """(seconds of one evaluation of J, the smallest float itemsize the student returns), read
    from the graded calls of the student_cost functions: no extra round trip to measure them.
    None when a step was not graded cleanly on this trial."""
    seconds, itemsize = 0.0, 8
    for step in spec.student_cost:
        graded = [f.name for f in spec.functions if f.call == step.call]
        call = obs.calls.get((graded[0], trial.index)) if graded else None
        if call is None or call.failure is not None or call.matched is None or call.elapsed <= 0:
            return None
        seconds += call.elapsed
        for leaf in call.matched.leaves.values():
            if leaf.array is not None and leaf.array.dtype.kind == "f":
                itemsize = min(itemsize, leaf.array.dtype.itemsize)
    return seconds, itemsize


def _disagreeing(slopes: np.ndarray, predicted: np.ndarray, keep: np.ndarray, rtol: float, noise: float) -> np.ndarray:
    """Which kept directions fail the judge's rule (compare(): the scale is the largest |value|
    of the directions kept)."""
    if not keep.any():
        return np.zeros(len(slopes), dtype=bool)
    if not (np.all(np.isfinite(slopes[keep])) and np.all(np.isfinite(predicted[keep]))):
        return keep.copy()
    scale = max(float(np.max(np.abs(slopes[keep]))), float(np.max(np.abs(predicted[keep]))), 1e-300)
    rel = np.maximum(np.abs(predicted - slopes) - noise, 0.0) / (np.abs(slopes) + scale)
    return keep & (rel > rtol)


def _joint_kinks(sandbox: Sandbox, steps: list, env: dict, perturb: list, directions, slopes: np.ndarray, predicted: np.ndarray,
                 kinked: np.ndarray, rtol: float, out: FDResult, deadline: float) -> None:  # fmt: skip
    """Mark the random directions that straddle a kink (in ``kinked``). Only a direction that
    disagrees can change the verdict, so only those are looked at again with half the step;
    dropping one shrinks the scale of the rest, so the look repeats until nothing new disagrees."""
    tried = np.zeros(len(slopes), dtype=bool)
    while True:
        new = _disagreeing(slopes, predicted, ~kinked, rtol, out.noise) & ~tried
        if not new.any():
            return
        tried |= new
        idx = np.flatnonzero(new)
        kinked[idx] = _kinks(sandbox, steps, env, [perturb[i] for i in idx], directions, slopes[idx], rtol, out, deadline)


def _student_fd(sandbox: Sandbox, spec: Spec, trial: Trial, deadline: float, options: FDOptions, arities: dict | None = None,
                prepared: Prepared | None = None, analytic: dict[str, np.ndarray] | None = None,
                hint: tuple[float, int] | None = None, on_sent=None) -> FDResult:  # fmt: skip
    """Central differences of J through the student's functions, batched in one request.
    ``analytic``: the student's parameter gradients; ``hint``: (seconds per evaluation,
    itemsize) from the graded calls, or None to measure."""
    exhaustive, n_directions = options.exhaustive, options.directions
    samples = SAMPLES if options.samples is None else options.samples
    trial.complete()
    steps = [{"call": s.call, "args": list(_step_args(spec, s, (arities or {}).get(s.call))), "bind": s.bind} for s in spec.student_cost]
    needed = {n for s in steps for a in s["args"] for n in leaves(a)}
    env = {k: np.asarray(trial.env[k], dtype=np.float64) for k in needed if k in trial.env}
    if hint is not None:
        per_eval, itemsize = hint
    else:  # a first, cheap request learns the cost and the precision the student computes in
        probe = sandbox.pipeline(steps, env, [])
        if not probe.ok:
            return FDResult(failure=probe.failure)
        itemsize = int(probe.header.get("itemsize", 8)) if isinstance(probe.header.get("itemsize"), int) else 8
        seconds = probe.header.get("seconds")
        per_eval = float(seconds) if isinstance(seconds, (int, float)) and seconds > 0 else 1e-3
    budget = max(32, int(FD_BUDGET / per_eval))  # evaluations we can afford
    total = sum(env[p].size for p in spec.parameters)
    elementwise_ok = 2 * total <= max(budget, 2 * ELEMENTWISE_LIMIT if per_eval < 1e-3 else 0) or exhaustive is not None
    if exhaustive is not None and exhaustive.estimate:
        exhaustive.estimate(2 * total, per_eval)
    k_dirs = max(2, min(DIRECTIONS, budget // max(1, 2 * len(spec.parameters))))
    perturb, plan, directions = [], [], []
    joint_dirs: list[dict[str, np.ndarray]] = []
    rng = np.random.default_rng(12345)
    if not elementwise_ok:
        # Expensive forward passes: random directions through all parameters at once. A wrong
        # gradient block changes the directional derivative unless the direction happens to be
        # orthogonal to its error (see docs/finite-differences.md for the bound).
        k = n_directions or DIRECTIONS
        h = float(max(np.max(fd.step(env[name], itemsize)) for name in spec.parameters))
        shapes = tuple((name, env[name].shape) for name in spec.parameters)
        made = prepared.get() if prepared is not None and prepared.key == (shapes, k) else None
        directions, joint_dirs, entries = made if made is not None else joint_directions(shapes, k)
        perturb += [{"joint": entry, "h": h} for entry in entries]
        plan.append(("", "joint", k, h))
    for name in spec.parameters if elementwise_ok else ():
        theta = env[name]
        h = fd.step(theta, itemsize)
        if exhaustive is not None or (theta.size <= ELEMENTWISE_LIMIT and (elementwise_ok or theta.size <= k_dirs)):
            for i in range(theta.size):
                perturb.append({"param": name, "index": i, "h": float(h.reshape(-1)[i])})
            plan.append((name, "elementwise", theta.size, h))
        else:
            scale = float(np.max(h))
            for _ in range(k_dirs):
                v = rng.standard_normal(theta.shape)
                v /= np.linalg.norm(v)
                directions.append(v)
                perturb.append({"param": name, "direction": len(directions) - 1, "h": scale})
            plan.append((name, "directional", k_dirs, scale))
    # Random directions need no J(θ): kinks are looked for only among directions that disagree.
    joint = len(plan) == 1 and plan[0][1] == "joint" and analytic is not None
    size = exhaustive.chunk if exhaustive is not None else max(1, len(perturb))
    plus_parts, minus_parts, base = [], [], None
    for start in range(0, max(1, len(perturb)), size):
        if exhaustive is None:
            timeout = max(1.0, deadline - time.perf_counter())
        else:  # the user asked for it: allow the chunk's estimated time, generously
            timeout = max(sandbox.timeout, 10 * per_eval * 2 * size + 5)
        got = _evaluate(sandbox, steps, env, perturb[start : start + size], directions, timeout, base=not joint, on_sent=on_sent)
        if isinstance(got, Failure):
            return FDResult(failure=got, itemsize=itemsize)
        plus_parts.append(got[0])
        minus_parts.append(got[1])
        base = got[2]
        if exhaustive is not None and exhaustive.progress:
            exhaustive.progress(min(start + size, len(perturb)), len(perturb))
    plus, minus = np.concatenate(plus_parts), np.concatenate(minus_parts)
    if plus.shape != (len(perturb),) or minus.shape != (len(perturb),):
        return FDResult(failure=Failure("protocol", "ProtocolError", "wrong number of finite-difference values"))
    eps = float(np.finfo({2: np.float16, 4: np.float32}.get(itemsize, np.float64)).eps)
    h_min = min((float(item["h"]) for item in perturb), default=1.0)
    j_size = abs(base) if base is not None else float(np.max(np.abs(np.concatenate([plus, minus]))))  # J(θ ± h·v) ≈ J(θ)
    out = FDResult(itemsize=itemsize, evaluations=2 * len(perturb) + (base is not None), noise=4 * eps * max(1.0, j_size) / h_min)
    rtol = spec.tolerance.for_dtype({2: "float16", 4: "float32"}.get(itemsize, "float64"), fd=True)
    steps_h = np.array([float(item["h"]) for item in perturb])
    slopes_all = fd.central(plus, minus, steps_h)
    kinked_all = np.zeros(len(perturb), dtype=bool)
    predicted = None
    if joint:
        predicted = np.array([sum(float(np.sum(d[p] * analytic[p])) for p in spec.parameters) for d in joint_dirs])
        _joint_kinks(sandbox, steps, env, perturb, directions, slopes_all, predicted, kinked_all, rtol, out, deadline)
    elif exhaustive is None and base is not None:
        # Where the one-sided slopes disagree, look again with half the step: a kink shows up as
        # central differences that change with the step; mere curvature does not.
        doubtful = np.flatnonzero(fd.suspicious(base, plus, minus, steps_h, rtol))
        kinked_all[doubtful] = _kinks(sandbox, steps, env, [perturb[i] for i in doubtful], directions, slopes_all[doubtful], rtol, out, deadline)
    k = 0
    dir_k = 0
    for name, kind, count, _h in plan:
        slopes, kinked = slopes_all[k : k + count], kinked_all[k : k + count]
        if kind == "joint":
            keep = ~kinked  # directions across a kink say nothing about the gradient
            out.joint = ([d for d, kept in zip(joint_dirs, keep) if kept], slopes[keep])
            out.kinked_directions = int(kinked.sum())
            if predicted is not None and keep.any() and not close(predicted[keep], slopes[keep], rtol, atol=out.noise) and samples:
                _localize(sandbox, spec, steps, env, trial, analytic, samples, itemsize, rtol, out, deadline)
        elif kind == "elementwise":
            out.numeric[name] = slopes.reshape(env[name].shape)
            out.kinks[name] = kinked.reshape(env[name].shape)
        else:
            keep = ~kinked if (~kinked).any() else np.ones(count, dtype=bool)
            out.directional[name] = (np.stack(directions[dir_k : dir_k + count])[keep], slopes[keep])
            dir_k += count
        k += count
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
    except (KeyError, TypeError, ValueError, wire.WireError):
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
    value_rtol = spec.tolerance.for_dtype({2: "float16", 4: "float32"}.get(itemsize, "float64"))
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
