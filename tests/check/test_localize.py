"""After random directions disagree, entries checked one by one say which gradient and where."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradcheck.check.student_fd import FDOptions, sample_entries
from gradcheck.grade import grade
from tests.conftest import CORPUS, load_builtin

# Big enough that the finite-difference check uses random directions (W1 has 6000 entries).
SIZES = {"n0": 300, "n1": 20, "n2": 7, "n3": 1, "m": 50}


def test_samples_start_where_the_gradient_departs_from_the_reference():
    rng = np.random.default_rng(0)
    student = rng.standard_normal((6, 5))
    student[1, 1] = 100.0  # the largest entry
    reference = student.copy()
    reference[2, 3] += 1.0
    reference[4, 0] -= 0.5
    picks = sample_entries(student, reference, 6, np.random.default_rng(1))
    assert list(picks[:2]) == [2 * 5 + 3, 4 * 5 + 0]
    assert 1 * 5 + 1 in picks
    assert len(set(picks.tolist())) == 6 and picks.max() < 30
    again = sample_entries(student, reference, 6, np.random.default_rng(1))
    assert np.array_equal(picks, again)  # seeded


def test_samples_never_exceed_the_tensor():
    picks = sample_entries(np.ones(3), None, 10, np.random.default_rng(0))
    assert sorted(picks.tolist()) == [0, 1, 2]


def _row(report):
    return next(c for c in report.checks if c.id == "gradient_check")


def test_a_wrong_weight_gradient_is_named_without_the_right_bias_gradients():
    spec = load_builtin("deep")
    report = grade(spec, CORPUS / "deep" / "buggy" / "linear_backward_dw_missing_mean.py", sizes=SIZES)
    row = _row(report)
    assert row.status == "fail"
    assert row.summary.startswith("disagrees: dW1, dW2, dW3 — at dW")
    assert "db" not in row.summary and "entries checked one by one disagree" in row.summary


def test_without_samples_the_directions_alone_cannot_say_which():
    spec = load_builtin("deep")
    report = grade(spec, CORPUS / "deep" / "buggy" / "linear_backward_dw_missing_mean.py", sizes=SIZES, fd_options=FDOptions(samples=0))
    assert _row(report).summary == "disagrees: dW1, dW2, dW3, db1, db2, db3"


def test_a_forward_mistake_shows_an_entry_where_backward_and_finite_differences_part():
    spec = load_builtin("deep")
    report = grade(spec, CORPUS / "deep" / "buggy" / "compute_cost_missing_minus.py", sizes=SIZES)
    gc304 = next(f for f in report.findings if f.code == "GC304")
    assert "Entry by entry: at d" in gc304.message
    assert "finite differences of your forward pass and cost give" in gc304.message


@pytest.mark.parametrize("name", ["correct.py"])
def test_a_correct_submission_needs_no_samples(name):
    spec = load_builtin("deep")
    report = grade(spec, Path(__file__).resolve().parents[2] / "examples" / "deep" / name, sizes=SIZES)
    assert report.passed and _row(report).summary == "4 random directions through all parameters agree"


def test_a_cost_that_is_nan_at_some_perturbation_fails_the_gradient_check(tmp_path):
    source = (Path(__file__).resolve().parents[2] / "examples" / "deep" / "correct.py").read_text(encoding="utf-8")
    source = source.replace("def compute_cost(AL, Y):", "_N = [0]\n\n\ndef compute_cost(AL, Y):\n    _N[0] += 1\n    if _N[0] == 5:\n        return float('nan')", 1)
    path = tmp_path / "nan_once.py"
    path.write_text(source, encoding="utf-8")
    report = grade(load_builtin("deep"), path, sizes=SIZES)
    row = _row(report)
    assert row.status == "fail" and "NaN or infinite" in row.summary
