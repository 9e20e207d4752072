"""probes.py: right at the assignment's sizes only by accident (GC401)."""

from __future__ import annotations

from gradcheck.findings import GC
from gradcheck.sandbox.runner import Failure

from .observed import Submission, by_code, call, judge, observe, planar


def _with_probe(sub: Submission, failure: Failure | None = None):
    obs = observe()
    probe = next(t for t in obs.trials if t.probe is not None)
    result = call(planar(), "backward_propagation", probe, sub)
    result.failure = failure
    obs.calls[("backward_propagation", probe.index)] = result
    return obs


def test_a_value_wrong_only_at_the_probe_sizes():
    obs = _with_probe(Submission({"db2": lambda env: env["db2"].sum(keepdims=True)}))
    f = by_code(judge(obs)[1], GC.FRAGILE_BY_SIZE)
    assert f.target == "db2" and f.level == "warning" and "n_y=2" in f.message


def test_a_probe_that_raises():
    obs = _with_probe(Submission(), Failure("exception", "ValueError", "shapes not aligned", frames=[["?", "f", ""]]))
    f = by_code(judge(obs)[1], GC.FRAGILE_BY_SIZE)
    assert f.target == "backward_propagation" and "ValueError: shapes not aligned" in f.message


def test_a_right_probe_says_nothing():
    assert judge(_with_probe(Submission()))[1] == []
