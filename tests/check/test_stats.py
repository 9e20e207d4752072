"""The dropout statistics (check/stats.py): the false-alarm rate by simulation, and the power
against the mistakes students make, at the sizes the shipped specs use."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradcheck.check.stats import (
    ALPHA,
    agreement_tolerance,
    dropout_stats,
    fraction_tolerance,
    mean_ratio_tolerance,
    z_two_sided,
)


def test_z_matches_the_normal_tail():
    for alpha in (0.05, 1e-3, 1e-6):
        z = z_two_sided(alpha)
        assert math.erfc(z / math.sqrt(2)) == pytest.approx(alpha, rel=1e-6)
    assert z_two_sided(0.05) == pytest.approx(1.959964, abs=1e-5)
    assert z_two_sided(1e-6) == pytest.approx(4.891638, abs=1e-5)


def test_tolerances_are_numbers_that_shrink_with_n():
    assert fraction_tolerance(200_000, 0.7) == pytest.approx(4.8916 * math.sqrt(0.21 / 200_000), rel=1e-4)
    assert mean_ratio_tolerance(200_000, 0.7) == pytest.approx(fraction_tolerance(200_000, 0.7) / 0.7)
    assert fraction_tolerance(800_000, 0.7) == pytest.approx(fraction_tolerance(200_000, 0.7) / 2)
    assert math.isinf(fraction_tolerance(0, 0.7)) and math.isinf(agreement_tolerance(0, 0.5))


def _correct(rng, shape, q):
    x = rng.standard_normal(shape)
    return x * (rng.random(shape) < q) / q, x


def _fails(s) -> bool:
    return not (s.one_value and s.kept_ok and s.mean_ok and all(a.ok for a in s.axes))


def test_false_alarm_rate_by_simulation():
    """At a loose alpha the observed rate of each test is close to alpha (the model is right);
    at the shipped ALPHA no correct draw fails in many tries."""
    rng = np.random.default_rng(2024)
    alpha, runs, q = 0.05, 400, 0.7
    kept = mean = agree = 0
    for _ in range(runs):
        out, x = _correct(rng, (40, 50), q)
        s = dropout_stats(out, x, q, (0, 1), alpha=alpha)
        kept += not s.kept_ok
        mean += not s.mean_ok
        agree += not all(a.ok for a in s.axes)
    for count in (kept, mean):  # two-sided at alpha: about 20 of 400 (binomial sd 4.4)
        assert 5 <= count <= 40, count
    assert agree <= 40, agree  # one-sided, two axes: at most about alpha each
    for q in (0.3, 0.5, 0.8):
        for _ in range(20):
            out, x = _correct(rng, (400, 500), q)
            assert not _fails(dropout_stats(out, x, q, (0, 1))), q


def test_np_random_seed_1_draw_passes():
    """The course's np.random.seed(1) draw is one draw like any other."""
    np.random.seed(1)
    x = np.random.default_rng(0).standard_normal((400, 500))
    out = x * (np.random.rand(*x.shape) < 0.7) / 0.7
    assert not _fails(dropout_stats(out, x, 0.7, (0, 1)))


def test_relu_zeros_are_left_out():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((40, 5000))
    r = np.maximum(z, 0)
    d = rng.random(r.shape) < 0.8
    s = dropout_stats(r * d / 0.8, r, 0.8, (0, 1))
    assert not _fails(s) and 90_000 < s.n < 110_000


@pytest.mark.parametrize(
    "mistake, failing",
    [
        ("keeps_1_minus_q", "kept"),
        ("scaled_by_1_over_p_drop", "mean"),
        ("unthresholded", "values"),
        ("one_row", "axes"),
        ("one_column", "axes"),
        ("no_scale", "mean"),
    ],
)
def test_power_against_the_listed_mistakes(mistake, failing):
    rng = np.random.default_rng(7)
    q, shape = 0.7, (400, 500)
    x = rng.standard_normal(shape)
    u = rng.random(shape)
    out = {
        "keeps_1_minus_q": lambda: x * (u > q) / q,
        "scaled_by_1_over_p_drop": lambda: x * (u < q) / (1 - q),
        "unthresholded": lambda: x * u / q,
        "one_row": lambda: x * (rng.random((1, shape[1])) < q) / q,
        "one_column": lambda: x * (rng.random((shape[0], 1)) < q) / q,
        "no_scale": lambda: x * (u < q),
    }[mistake]()
    s = dropout_stats(out, x, q, (0, 1))
    verdict = {"kept": not s.kept_ok, "mean": not s.mean_ok, "values": not s.one_value, "axes": not all(a.ok for a in s.axes)}
    assert verdict[failing], (mistake, s)


def test_power_of_a_small_scale_error():
    """At 200,000 units and q = 0.7 a scale off by 2 % is caught (tolerance about 0.7 %)."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((400, 500))
    out = x * (rng.random(x.shape) < 0.7) / 0.7 * 1.02
    assert not dropout_stats(out, x, 0.7, (0, 1)).mean_ok
    assert mean_ratio_tolerance(200_000, 0.7) < 0.0075 and ALPHA == 1e-6
