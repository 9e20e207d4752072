"""fd_verdict.py: the backward pass against finite differences of the student's own cost."""

from __future__ import annotations

from gradcheck.diagnose.messages import constant_cost_note
from gradcheck.findings import GC

from .observed import Submission, agreeing_fd, by_code, judge, observe


def _row(checks):
    return next(c for c in checks if c.id == "gradient_check")


def test_gradients_that_match_the_reference_but_not_the_own_cost_blame_the_forward_pass():
    obs = observe()
    obs.fd = agreeing_fd(obs.trials[0], scale=3.0)
    checks, findings = judge(obs)
    f = by_code(findings, GC.FD_DISAGREEMENT)
    assert f.target == "gradient check" and "forward_propagation and compute_cost" in f.message
    assert _row(checks).status == "fail" and _row(checks).summary.startswith("disagrees: ")


def test_kinked_directions_are_a_note():
    obs = observe()
    obs.fd = agreeing_fd(obs.trials[0], kinked=2)
    checks, findings = judge(obs)
    assert [f.code for f in findings] == [GC.KINK_SKIPPED] and "2 random direction(s)" in findings[0].message
    assert _row(checks).status == "pass"


def test_no_finite_differences_fail_the_row_without_a_finding():
    checks, findings = judge(observe(fd=None))
    assert findings == [] and _row(checks).summary == "not run"


def test_zero_gradients_of_a_constant_cost_are_no_agreement():
    """A stub: constant forward pass, cost 0, zero gradients: the finite differences are 0 and
    "agree" with zero gradients, which proves nothing (issue 16, item 3)."""
    import numpy as np

    zeros = {g: (lambda env, g=g: np.zeros_like(env[g])) for g in ("dW1", "db1", "dW2", "db2")}
    obs = observe(Submission(zeros))
    obs.fd = agreeing_fd(obs.trials[0], scale=0.0)
    checks, _ = judge(obs)
    assert _row(checks).status == "fail" and _row(checks).summary == constant_cost_note()


def test_right_gradients_of_a_varying_cost_still_pass():
    checks, _ = judge(observe())
    assert _row(checks).status == "pass"


def test_a_forward_pass_that_raises_at_the_perturbed_points_is_a_finding():
    """Every call passed, but the forward pass raised while evaluated at θ ± h·v: the failed row
    comes with its finding, naming the function and its line (a failure is never unexplained)."""
    from gradcheck.check.student_fd import FDResult
    from gradcheck.sandbox.runner import Failure

    failure = Failure("exception", "RuntimeError", "tired", frames=[[7, "forward_propagation", "raise RuntimeError('tired')"]])
    checks, findings = judge(observe(fd=FDResult(failure=failure, itemsize=8)))
    f = by_code(findings, GC.CALL_RAISED)
    assert f.target == "gradient check" and "RuntimeError: tired in forward_propagation" in f.message
    assert f.location is not None and f.location.line == 7
    assert _row(checks).status == "fail" and "forward/cost failed" in _row(checks).summary
