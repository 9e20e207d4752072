"""Observations built by hand, without a child process: what a planar submission would have
returned, as the typed records templates.match makes. A test starts from a correct
submission (the reference values) and changes one thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from gradcheck.catalog import resolve
from gradcheck.check.engine import CallResult, Observations
from gradcheck.check.student_fd import FDResult
from gradcheck.check.templates import MISSING, Leaf, Matched, Value, leaves
from gradcheck.check.trials import Trial, make_trials
from gradcheck.diagnose.judge import Judge
from gradcheck.findings import Finding
from gradcheck.report import CheckResult
from gradcheck.spec.loader import load_spec
from gradcheck.spec.model import Spec

from ..conftest import CORPUS

SOURCE_PATH = CORPUS / "planar" / "correct" / "np_dot.py"  # read for line numbers only; never run


@cache
def planar() -> Spec:
    return load_spec(resolve("planar"))


@cache
def _trials() -> tuple[Trial, ...]:
    return tuple(make_trials(planar(), 0))


def value(array: Any) -> Value:
    """The record templates.match makes for a plain numpy value."""
    a = np.asarray(array)
    return Value("nd", "numpy.ndarray", a.dtype.str, a.dtype.kind, tuple(a.shape), 0, f"array of dtype {a.dtype.name} and shape {tuple(a.shape)}")


def leaf(name: str, array: Any, path: tuple = ("return",)) -> Leaf:
    a = np.asarray(array)
    return Leaf(name, value(a), a, path)


def _path(template: Any, name: str, at: tuple = ("return",)) -> tuple | None:
    if isinstance(template, str):
        return at if template == name else None
    items = template.items() if isinstance(template, dict) else enumerate(template)
    for key, sub in items:
        found = _path(sub, name, (*at, key))
        if found:
            return found
    return None


@dataclass
class Submission:
    """What each function returns, per trial: the reference, unless changed."""

    changes: dict[str, Any] = field(default_factory=dict)  # name -> function(trial env) -> value (or a Leaf)
    local_names: bool = True  # backward_propagation keeps dZ1 and dZ2 as locals

    def returned(self, name: str, trial: Trial) -> Any:
        change = self.changes.get(name)
        return change(trial.env) if change is not None else trial.env[name]


@dataclass
class Closed:
    """Stands for the child's closing (its output)."""

    truncated: bool = False

    def result(self) -> tuple[str, bool]:
        return "", self.truncated


def call(spec: Spec, fname: str, trial: Trial, sub: Submission) -> CallResult:
    f = next(g for g in spec.functions if g.name == fname)
    matched = Matched()
    for n in dict.fromkeys(leaves(f.returns)):
        got = sub.returned(n, trial)
        matched.leaves[n] = got if isinstance(got, Leaf) else leaf(n, got, _path(f.returns, n) or ("return",))
    result = CallResult(fname, trial, matched=matched)
    if sub.local_names:
        result.locals = {n: leaf(n, sub.returned(n, trial), ()) for n in f.locals}
    return result


def observe(sub: Submission | None = None, **fields: Any) -> Observations:
    """A planar run: every required function called in every trial (not the probes)."""
    spec = planar()
    sub = sub or Submission()
    trials = list(_trials())
    obs = Observations(spec, SOURCE_PATH, SOURCE_PATH.read_text(encoding="utf-8"), trials)
    obs.skipped = {f.name: "optional: not defined" for f in spec.functions if f.optional}
    for f in spec.functions:
        if not f.optional:
            for t in trials:
                if t.probe is None:
                    obs.calls[(f.name, t.index)] = call(spec, f.name, t, sub)
    obs.fd = agreeing_fd(trials[0])
    for k, v in fields.items():
        setattr(obs, k, v)
    return obs


def agreeing_fd(trial: Trial, scale: float = 1.0, kinked: int = 0) -> FDResult:
    """Random directions through the parameters whose slopes are the reference gradients' (times ``scale``)."""
    spec = planar()
    rng = np.random.default_rng(1)
    grads = {g.wrt: g.name for g in spec.backward if not g.per_example}
    dirs = [{p: rng.standard_normal(np.shape(trial.env[p])) for p in spec.parameters} for _ in range(4)]
    slopes = np.array([scale * sum(float(np.sum(d[p] * trial.env[grads[p]])) for p in spec.parameters) for d in dirs])
    return FDResult(joint=(dirs, slopes), kinked_directions=kinked)


def judge(obs: Observations) -> tuple[list[CheckResult], list[Finding]]:
    j = Judge(obs)
    j.judge_calls()
    return j.finish()


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "error"]


def by_code(findings: list[Finding], code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert found, f"no {code} among {[(f.code, f.target) for f in findings]}"
    return found[0]


__all__ = ["MISSING", "Closed", "Submission", "agreeing_fd", "by_code", "call", "errors", "judge", "leaf", "observe", "planar", "value"]
