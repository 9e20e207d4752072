"""Run a submission against the spec's trials and record what it did.

This layer only observes: calls, returned trees, captured locals, mutations, and
(student_fd.py) finite differences through the student's own code. Judging happens later.
"""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..sandbox.runner import Failure, Sandbox
from ..spec import pyast
from ..spec.fit import rename_candidate
from ..spec.model import Limits, Spec, Steps, step_base, student_refs
from . import extra, parsed, student_fd, traces
from .background import Background
from .extra import ExtraCall
from .student_fd import FDOptions, FDResult, prepare_directions
from .templates import Leaf, Matched, build, decode_plain, leaves, match, parse_student_ref
from .trials import Trial

MAX_SOURCE = 4 << 20


@dataclass
class CallResult:
    function: str
    trial: Trial
    failure: Failure | None = None
    matched: Matched | None = None
    locals: dict[str, Leaf] = field(default_factory=dict)
    mutated: list[str] = field(default_factory=list)
    elapsed: float = 0.0  # the grader's wait for the reply
    convention: str | None = None  # the label of the older API generation used, if any
    seconds: float = 0.0  # the call itself, as the child timed it (0 when it did not say)
    threads: int = 0  # threads it started that were still running when it returned (GC108)
    running: int = 0  # the submission's threads running when it returned, wherever they started


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
    import_threads: int = 0  # threads the import started that were still running after it (GC108)
    missing: dict[str, str | None] = field(default_factory=dict)  # function -> suggestion
    calls: dict[tuple[str, int], CallResult] = field(default_factory=dict)
    repeats: dict[str, CallResult] = field(default_factory=dict)
    fd: FDResult | None = None
    extra: dict[tuple[str, int, int], ExtraCall] = field(default_factory=dict)  # (function, check, trial): checks: calls
    unavailable: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # function -> why it was not called again
    seconds: float = 0.0
    startup: float = 0.0  # of it, waiting for the child process to start (Python, numpy)
    closing: Closing | None = None
    traces: dict[str, traces.Trace] = field(default_factory=dict)  # spec entry (or check id "entry:label") -> its failing call, traced

    @property
    def output(self) -> str:
        """What the submission printed (waits for its process to be gone)."""
        return self.closing.result()[0] if self.closing is not None else ""

    @property
    def output_truncated(self) -> bool:
        return self.closing.result()[1] if self.closing is not None else False


class Closing(Background):
    """The child let go on a helper thread (Sandbox.finish), while the judge works. Its output
    is read when it is wanted."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        super().__init__(sandbox.finish)

    def result(self) -> tuple[str, bool]:
        self.get()
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
    if parsed.tree(text) is not None:
        return None  # it parses (the tree is kept for the file's other readers)
    try:
        pyast.parse(text, filename=str(path))
    except SyntaxError as exc:
        return exc.lineno, exc.offset, exc.msg or "invalid syntax"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, None, f"the file cannot be parsed ({type(exc).__name__}: {exc})"
    return None


def make_sandbox(spec: Spec, path: Path, limits: Limits, zygote=None, loading: dict | None = None) -> Sandbox:
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
        loading=loading,
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
    closed = False
    try:
        reply = sandbox.start()
        obs.startup = sandbox.startup_wait
        obs.unavailable = sandbox.unavailable
        if not reply.ok:
            obs.import_failure = reply.failure
            return obs
        obs.defined = list(reply.header.get("functions", []))
        obs.provided = list(reply.header.get("provided", []))
        obs.import_threads = reply.header.get("threads", 0)  # an integer (replies.check)
        _missing(spec, obs, arities)
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
                spare = f"repeat:{f.name}" if f.repeat and trial.index == 0 else None
                result = _call(sandbox, f, trial, arities.get(f.call), spec.shown, spare=spare, keep=f.name in referenced)
                obs.calls[(f.name, trial.index)] = result
                if result.failure and result.failure.kind in ("timeout", "died", "memory", "protocol"):
                    obs.skipped[f.name] = f"it failed with {result.failure.kind} in {trial.label}"
                if f.repeat and trial.index == 0 and result.failure is None:
                    # The same call again: big results come back as fingerprints (equal or not is all the judge needs).
                    obs.repeats[f.name] = _call(sandbox, f, trial, arities.get(f.call), spec.shown, reuse=spare, digest=True,
                                                keep=f.name in referenced)  # fmt: skip
                _trace_if_wrong(obs, sandbox, f, result, limits)
        obs.extra = extra.run(sandbox, spec, trials, set(obs.missing) | set(obs.skipped), deadline)
        _trace_checks(obs, sandbox, limits, deadline)
        runnable = spec.student_cost and not any(s.call in obs.missing for s in spec.student_cost)
        for trial in trials:
            trial.complete()
        helpers: list[Background] = []

        def start_helper() -> None:  # once the child has its work: the two then share no core
            if meanwhile is not None and not helpers:
                helpers.append(Background(lambda: meanwhile(obs)))

        if runnable and (time.perf_counter() < deadline or options.exhaustive is not None):
            obs.fd = student_fd.run(sandbox, spec, trials[0], deadline, options, arities, prepared, _fd_analytic(spec, obs, trials[0]),
                                 _cost_hint(spec, obs, trials[0]), on_sent=start_helper)  # fmt: skip
        start_helper()
        if helpers:
            helpers[0].get()
    except BaseException:
        sandbox.close()  # at once: nothing of the submission may outlive an error in the grader
        closed = True
        raise
    finally:
        if not closed:
            obs.closing = Closing(sandbox)
        obs.seconds = time.perf_counter() - start
    return obs


def _missing(spec: Spec, obs: Observations, arities: dict) -> None:
    """The spec's functions the file does not define: missing (with a rename to suggest), or
    skipped when optional."""
    wanted = {n for g in spec.functions for n in (g.call, *g.aliases)} | spec.graded_elsewhere  # never offered as the rename of another function
    for f in spec.functions:
        if f.call not in obs.defined:
            nargs = (len(f.args), *(len(a.args) for a in f.alternatives if a.args is not None))
            suggestion = rename_candidate(f.call, f.aliases, obs.defined, wanted, arities, nargs)
            if f.optional and suggestion is None:
                obs.skipped[f.name] = "optional, and not defined in this file"
                continue
            obs.missing[f.name] = suggestion


def _trace_if_wrong(obs: Observations, sandbox: Sandbox, f, result: CallResult, limits: Limits) -> None:
    """Run again, traced, the first call of ``f`` that looks wrong, if it was quick (tracing
    slows it several times): the judge reads from it which line wrote each value."""
    spec, trial = obs.spec, result.trial
    if trial.probe is not None or f.name in obs.traces or not result.seconds * 20 < limits.timeout:
        return
    if not traces.worth_tracing(result, _rtol_for(spec), f.free):
        return
    found = traces.run(sandbox, result, [build(a, trial.env) for a in _args_of(f, result)], f.call, obs.source.count("\n") + 1)
    if found is not None:
        obs.traces[f.name] = found


def _rtol_for(spec: Spec):
    """The spec's value tolerance for an array (float64's for a non-float one)."""
    return lambda a: spec.tolerance.for_dtype(a.dtype.name if a.dtype.kind == "f" else "float64")


def _trace_checks(obs: Observations, sandbox: Sandbox, limits: Limits, deadline: float) -> None:
    """The same for the calls of each function's ``checks:`` (another mode, a big input): the
    first call of a check that looks wrong is traced, as ``obs.traces["function:label"]``."""
    spec = obs.spec
    rtol_for = _rtol_for(spec)
    by_name = {f.name: f for f in spec.functions}
    for (name, index, _), call in sorted(obs.extra.items(), key=lambda kv: kv[0]):
        f = by_name[name]
        check = f.checks[index]
        key = f"{name}:{check.label}"
        if key in obs.traces or not call.elapsed * 20 < limits.timeout or time.perf_counter() > deadline:
            continue
        if traces.check_looks_wrong(call, check, rtol_for):
            args = [build(a, call.trial.env) for a in check.args]
            found = traces.run(sandbox, call, args, f.call, obs.source.count("\n") + 1)
            if found is not None:
                obs.traces[key] = found


def _args_of(f, result: CallResult) -> list:
    """The argument templates the call used (an older signature's, when it matched one)."""
    for alt in f.alternatives:
        if result.convention is not None and alt.label == result.convention and alt.args is not None:
            return alt.args
    return f.args


def _call_order(trial: Trial, functions) -> list:
    """The spec's order, except while the reference is still being computed (--sizes): the
    functions fed only inputs go first (L_model_forward with X), so the child works meanwhile."""
    functions = list(functions)
    if trial.pending is None:
        return functions
    ready = [f for f in functions if not any(student_refs(a) for a in f.args) and all(n in trial.env for a in f.args for n in leaves(a))]
    return ready + [f for f in functions if f not in ready]


def _arities(source: str) -> dict[str, tuple[int, int]]:
    """(fewest, most) positional arguments of each function the file defines (read, not run)."""
    tree = parsed.tree(source)
    try:
        tree = tree or pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    out = {}
    for node in parsed.nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = len(a.posonlyargs) + len(a.args)
            out[node.name] = (positional - len(a.defaults), 10**6 if a.vararg else positional)
    return out


def _call(sandbox: Sandbox, f, trial: Trial, arity: tuple[int, int] | None = None, shown=lambda n: n, spare: str | None = None,
          reuse: str | None = None, digest: bool = False, keep: bool = True) -> CallResult:  # fmt: skip
    args_t, returns_t, label = f.args, f.returns, None
    if arity is not None and f.alternatives and not arity[0] <= len(f.args) <= arity[1]:
        for alt in f.alternatives:  # an older signature that fits what the student wrote
            if alt.args is not None and arity[0] <= len(alt.args) <= arity[1]:
                args_t, returns_t, label = alt.args, alt.returns or f.returns, alt.label
                break
    if trial.pending is not None and any(n not in trial.env for a in args_t for n in leaves(a)):
        trial.complete()  # a reference value is an argument: wait for it
    args = [build(a, trial.env) for a in args_t]
    stand_ins = {name: build(value, trial.env) for name, value in f.stand_ins}  # a wrong backward pass, say
    reply = sandbox.call(f.call, args, [shown(n) for n in f.locals], keep=f.name if keep else None, spare=None if stand_ins else spare,
                         reuse=None if stand_ins else reuse, digest=digest, stand_ins=stand_ins)  # locals by the student's names; fmt: skip
    result = CallResult(f.name, trial, elapsed=reply.elapsed, convention=label)
    if not reply.ok:
        result.failure = reply.failure
        return result
    header, blobs = reply.header, reply.blobs
    told = header.get("elapsed")
    if isinstance(told, (int, float)) and not isinstance(told, bool) and 0 < told < 1e4:
        result.seconds = max(float(told), 1e-6)  # the child's word: a lie only changes its own check's plan
    result.threads, result.running = header.get("threads", 0), header.get("running", 0)  # integers (replies.check)
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
            return [] if ok else [step_base(template)]
        return []
    if isinstance(template, Steps):  # one item per time step, each read like the item's template
        if not isinstance(back, list) or len(back) != len(sent):
            return leaves(template)
        return list(dict.fromkeys(n for s, b in zip(sent, back) for n in _changed(template.item, s, b)))
    if isinstance(template, dict):
        if not isinstance(back, dict):
            return leaves(template)
        return [n for k, sub in template.items() for n in (_changed(sub, sent[k], back[k]) if k in back else leaves(sub))]
    if not isinstance(back, list) or len(back) != len(template):
        return leaves(template)
    return [n for sub, s, b in zip(template, sent, back) for n in _changed(sub, s, b)]


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
        if call is None or call.failure is not None or call.matched is None or not call.seconds > 0:
            return None
        seconds += call.seconds
        for leaf in call.matched.leaves.values():
            if leaf.array is not None and leaf.array.dtype.kind == "f":
                itemsize = min(itemsize, leaf.array.dtype.itemsize)
    return seconds, itemsize


