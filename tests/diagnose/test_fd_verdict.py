"""fd_verdict.py: the backward pass against finite differences of the student's own cost."""

from __future__ import annotations

from gradcheck.findings import GC

from .observed import agreeing_fd, by_code, judge, observe


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
