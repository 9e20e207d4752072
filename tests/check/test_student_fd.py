"""Pieces of the finite-difference plan that need no child process."""

from __future__ import annotations

import numpy as np

from gradcheck.check import student_fd
from gradcheck.check.compare import close
from gradcheck.check.local_fd import disagreeing


def test_disagreeing_follows_the_judges_rule():
    slopes = np.array([1.0, 2.0, -3.0, 4.0])
    predicted = slopes.copy()
    predicted[2] += 1e-3
    keep = np.ones(4, dtype=bool)
    bad = disagreeing(slopes, predicted, keep, 1e-5, 0.0)
    assert bad.tolist() == [False, False, True, False]
    assert close(predicted[~bad], slopes[~bad], 1e-5) and not close(predicted, slopes, 1e-5)
    keep[2] = False
    assert not disagreeing(slopes, predicted, keep, 1e-5, 0.0).any()


def test_a_non_finite_slope_disagrees_alone():
    """One rule for both finite-difference checks (compare()): a NaN or inf direction disagrees,
    and the scale of the others comes from the finite ones, so they are not all looked at again."""
    slopes = np.array([1.0, np.nan, -3.0, np.inf])
    predicted = np.array([1.0, 2.0, -3.0 + 1e-3, 4.0])
    bad = disagreeing(slopes, predicted, np.ones(4, dtype=bool), 1e-5, 0.0)
    assert bad.tolist() == [False, True, True, True]


def test_kinks_are_looked_for_again_when_dropping_one_shrinks_the_scale(monkeypatch):
    # Direction 0 is huge and crosses a kink; direction 1 is off by 1e-4 relative to the huge
    # scale (agrees), but by far more once direction 0 is dropped: it must be looked at too.
    slopes = np.array([1000.0, 1.0, 2.0])
    predicted = np.array([0.0, 1.0 + 1e-3, 2.0])
    looked = []

    def fake_kinks(sandbox, steps, env, doubtful, directions, s, rtol, out, deadline):
        looked.append([d["i"] for d in doubtful])
        return np.array([d["i"] in (0, 1) for d in doubtful])

    monkeypatch.setattr(student_fd, "_kinks", fake_kinks)
    kinked = np.zeros(3, dtype=bool)
    out = student_fd.FDResult()
    student_fd._joint_kinks(None, [], {}, [{"i": 0}, {"i": 1}, {"i": 2}], (), slopes, predicted, kinked, 1e-5, out, 0.0)
    assert looked == [[0], [1]]
    assert kinked.tolist() == [True, True, False]


def test_agreeing_directions_are_not_looked_at_again(monkeypatch):
    monkeypatch.setattr(student_fd, "_kinks", lambda *a: (_ for _ in ()).throw(AssertionError("no second look needed")))
    slopes = np.array([1.0, -2.0])
    kinked = np.zeros(2, dtype=bool)
    student_fd._joint_kinks(None, [], {}, [{}, {}], (), slopes, slopes.copy(), kinked, 1e-5, student_fd.FDResult(), 0.0)
    assert not kinked.any()


def test_the_joint_directions_are_drawn_once_and_lent_read_only():
    import pytest

    from gradcheck.check.trials import make_trials
    from tests.conftest import load_builtin

    spec = load_builtin("deep")
    trial = make_trials(spec, 0, {"n0": 400, "n1": 30, "n2": 7, "n3": 1, "m": 5})[0]
    student_fd.clear_directions()
    first = student_fd.prepare_directions(spec, trial, None)
    assert first is not None and isinstance(first, student_fd.Background)
    drawn = first.get()
    again = student_fd.prepare_directions(spec, trial, None)
    assert isinstance(again, student_fd.Ready) and again.key == first.key and again.get() is drawn
    fresh = student_fd.joint_directions(*first.key)
    assert all(np.array_equal(a, b) for a, b in zip(drawn[0], fresh[0]))  # seeded: what a fresh draw gives
    with pytest.raises(ValueError, match="read-only"):
        drawn[0][0][0] = 1.0
    student_fd.clear_directions()
    assert isinstance(student_fd.prepare_directions(spec, trial, None), student_fd.Background)
