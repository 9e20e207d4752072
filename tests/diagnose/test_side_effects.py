"""side_effects.py: inputs changed in place (GC107), a different answer the second time (GC106), a thread left running (GC108)."""

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


def test_a_call_that_returns_with_its_thread_still_running():
    obs = observe()
    obs.source = obs.source.replace("    return grads", "    threading.Thread(target=print).start()\n    return grads")
    obs.calls[("backward_propagation", 0)].threads = 2
    checks, findings = judge(obs)
    f = by_code(findings, GC.THREAD_LEFT_RUNNING)
    assert f.target == "backward_propagation" and "2 threads it started were still running" in f.message
    assert f.location is not None and "threading.Thread" in obs.source.splitlines()[f.location.line - 1]
    row = next(c for c in checks if c.id == "backward_propagation:side-effects")
    assert row.status == "fail" and row.points == 0 and row.summary == "left a thread running"
    assert next(c for c in checks if c.id == "forward_propagation:side-effects").status == "pass"


def test_a_thread_the_import_left_running_fails_every_side_effects_row():
    obs = observe()
    obs.import_threads = 1
    checks, findings = judge(obs)
    assert [f.target for f in findings if f.code == GC.THREAD_LEFT_RUNNING] == ["submission"]
    assert "Importing your file finished while a thread it started was" in by_code(findings, GC.THREAD_LEFT_RUNNING).message
    rows = [c for c in checks if c.target == "side effects"]
    assert rows and all(c.status == "fail" and "at import" in c.summary for c in rows)


def test_a_thread_that_ended_before_the_return_is_fine():
    obs = observe()  # threads = 0: the child counts only threads still running at the return
    assert judge(obs)[1] == []


def test_a_call_that_returns_while_a_thread_started_elsewhere_runs():
    obs = observe()
    for t in (0, 1):
        obs.calls[("compute_cost", t)].running = 1  # started between calls (a finalizer), still running
    checks, findings = judge(obs)
    f = by_code(findings, GC.THREAD_LEFT_RUNNING)
    assert f.target == "compute_cost" and "a thread your file started between calls was still running" in f.message
    row = next(c for c in checks if c.id == "compute_cost:side-effects")
    assert row.status == "fail" and row.summary == "a thread your file started between calls was still running"


def test_a_thread_a_call_started_is_that_calls_finding_alone():
    obs = observe()
    obs.calls[("backward_propagation", 0)].threads = 1
    for key in obs.calls:
        obs.calls[key].running = 1  # still running when the other functions return
    checks, findings = judge(obs)
    assert [f.target for f in findings if f.code == GC.THREAD_LEFT_RUNNING] == ["backward_propagation"]
    assert next(c for c in checks if c.id == "compute_cost:side-effects").status == "pass"


def test_the_imports_thread_is_reported_once_not_at_every_call():
    obs = observe()
    obs.import_threads = 1
    for key in obs.calls:
        obs.calls[key].running = 1  # the import's thread, still running at every return
    findings = judge(obs)[1]
    assert [f.target for f in findings if f.code == GC.THREAD_LEFT_RUNNING] == ["submission"]
