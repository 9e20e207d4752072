"""side_effects.py: inputs changed in place (GC107), a different answer the second time (GC106)."""

from __future__ import annotations

from gradcheck.findings import GC

from .observed import Submission, by_code, call, judge, observe, planar


def test_an_input_changed_in_place():
    obs = observe()
    obs.calls[("backward_propagation", 0)].mutated = ["A1"]
    checks, findings = judge(obs)
    f = by_code(findings, GC.INPLACE_MUTATION)
    assert f.target == "backward_propagation" and "A1" in f.message
    row = next(c for c in checks if c.id == "backward_propagation:side-effects")
    assert row.status == "fail" and row.summary == "modified its input A1"


def test_a_second_call_that_answers_differently():
    obs = observe()
    trial = obs.trials[0]
    obs.repeats["backward_propagation"] = call(planar(), "backward_propagation", trial, Submission({"dW1": lambda env: env["dW1"] + 1}))
    checks, findings = judge(obs)
    f = by_code(findings, GC.NONDETERMINISTIC)
    assert f.target == "dW1" and f.hint.startswith("backward_propagation must not draw random numbers")
    assert next(c for c in checks if c.id == "backward_propagation:side-effects").summary == "dW1 changed between calls"


def test_the_same_answer_twice_is_fine():
    obs = observe()
    obs.repeats["backward_propagation"] = call(planar(), "backward_propagation", obs.trials[0], Submission())
    assert judge(obs)[1] == []
