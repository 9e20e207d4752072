"""The calls of a function's ``checks:`` (spec/checks.py): another mode, arguments read back
after the call, a big input for the statistics of a random mask. Observation only: what came
back is matched against the check's templates; the judge (diagnose/extra_checks.py) decides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..sandbox import wire
from ..sandbox.runner import Failure, Sandbox
from ..spec import formula as fm
from ..spec.model import DropoutCheck, ExtraCheck, FunctionSpec, Spec
from .templates import Leaf, Matched, build, match
from .trials import Trial, _draw_dims, _generate, evaluate_reference

CHECK_TRIAL = 2000  # seeds of check trials: [seed, CHECK_TRIAL + k], apart from the trials' [seed, k]


@dataclass
class ExtraCall:
    function: str  # the spec entry
    check: int  # index in its checks
    trial: Trial
    failure: Failure | None = None
    returned: Matched | None = None  # the check's returns template, matched
    after: Matched | None = None  # the arguments after the call, against the check's after template
    bound: Matched | None = None  # the check's bind template
    elapsed: float = 0.0  # the grader's wait for the reply


def check_trial(spec: Spec, seed: int, dims: dict[str, int], k: int) -> Trial:
    """One trial of the spec with some dims fixed (a big input for a statistic), drawn once
    per submission from the grading seed."""
    rng = np.random.default_rng([seed, CHECK_TRIAL + k])
    drawn = _draw_dims(spec, rng, dict(dims), set())
    env: dict[str, Any] = dict(drawn)
    for gen in spec.values:
        env[gen.name] = _generate(gen, drawn, rng)
    with np.errstate(all="ignore"):  # at these sizes a loss may saturate; a check reads only what it names
        env = evaluate_reference(spec, env)
    return Trial(CHECK_TRIAL + k, drawn, env, seed=seed)


def trials_for(spec: Spec, normal: list[Trial], checks: list[tuple[FunctionSpec, int, ExtraCheck]]) -> dict[tuple, Trial]:
    """A check trial for every distinct ``dims`` of the checks (made once, shared)."""
    seed = next((t.seed for t in normal if t.seed is not None), 0)
    out: dict[tuple, Trial] = {}
    for _, _, c in checks:
        key = tuple(sorted(c.dims.items()))
        if c.dims and key not in out:
            out[key] = check_trial(spec, seed, c.dims, len(out))
    return out


def run(sandbox: Sandbox, spec: Spec, trials: list[Trial], skip: set[str], deadline: float) -> dict[tuple[str, int, int], ExtraCall]:
    """Every check of every function not in ``skip``: on its own trial when it fixes dims, else
    on each normal trial."""
    normal = [t for t in trials if t.probe is None]
    todo = [(f, i, c) for f in spec.functions if f.name not in skip for i, c in enumerate(f.checks)]
    if not todo or not normal:
        return {}
    for t in normal:
        t.complete()
    own = trials_for(spec, normal, todo)
    out: dict[tuple[str, int, int], ExtraCall] = {}
    for f, i, c in todo:
        for trial in [own[tuple(sorted(c.dims.items()))]] if c.dims else normal:
            if time.perf_counter() > deadline:
                return out
            out[(f.name, i, trial.index)] = call(sandbox, f, i, c, trial)
    return out


def call(sandbox: Sandbox, f: FunctionSpec, index: int, c: ExtraCheck, trial: Trial) -> ExtraCall:
    args = [build(a, trial.env) for a in c.args]
    reply = sandbox.call(f.call, args)
    result = ExtraCall(f.name, index, trial, elapsed=reply.elapsed)
    if not reply.ok:
        result.failure = reply.failure
        return result
    value = reply.header.get("value")
    blobs = list(reply.blobs)
    if c.returns is not None:
        result.returned = match(c.returns, value, blobs, f.call)
    if c.bind is not None:
        result.bound = match(c.bind, value, blobs, f.call)
    if c.after is not None:
        back = reply.header.get("args_after")
        back = back if isinstance(back, list) and len(back) == len(args) else [None] * len(args)
        tree = {"t": "list", "items": [merged(sent, node, blobs) for sent, node in zip(args, back)]}
        result.after = match(list(c.after), tree, blobs, f.call)
    return result


def merged(sent: Any, node: Any, blobs: list) -> Any:
    """The argument as it is after the call: the child sends only what changed ({"t": "same"}
    for the rest), so the parts it left alone are the grader's own values, encoded again.
    ``node`` is untrusted: anything that is not a well-formed change is passed on as it is,
    and the template match judges it."""
    if isinstance(node, dict) and node.get("t") == "same":
        try:
            return wire.encode_tree(sent, blobs)
        except TypeError:
            return {"t": "other", "cls": "unencodable"}
    if isinstance(node, dict) and node.get("t") == "dict" and isinstance(sent, dict) and isinstance(node.get("items"), dict):
        items = node["items"]
        return {**node, "items": {k: merged(sent[k], v, blobs) if k in sent else v for k, v in items.items()}}
    if (
        isinstance(node, dict)
        and node.get("t") in ("tuple", "list")
        and isinstance(sent, (tuple, list))
        and isinstance(node.get("items"), list)
    ):
        items = node["items"]
        if len(items) == len(sent):
            return {**node, "items": [merged(s, v, blobs) for s, v in zip(sent, items)]}
    return node


def leaf_array(leaf: Leaf | None) -> np.ndarray | None:
    """A returned number or array as float64; None when it is not one."""
    if leaf is None or leaf.array is None or leaf.array.dtype.kind not in "fiub":
        return None
    return np.asarray(leaf.array, dtype=np.float64)


def dropout_inputs(call: ExtraCall, d: DropoutCheck) -> tuple[Any, np.ndarray | None, float]:
    """(the dropout output, its input, the keep probability) of a mask-statistics call: the
    student's bound values in the trial's names; the input None when it cannot be computed."""
    env = dict(call.trial.env)
    for name, leaf in call.bound.leaves.items() if call.bound is not None else ():
        arr = leaf_array(leaf)
        if arr is not None:
            env[name] = arr
    try:
        x = np.asarray(fm.evaluate(d.input, env), dtype=np.float64)
        keep = float(fm.evaluate(d.keep, env))
    except Exception:  # noqa: BLE001 - a student value the formula cannot use (a wrong shape): judged by the caller
        x, keep = None, float("nan")
    return env.get(d.output), x, keep
