"""gradcheck/check/local_fd.py: central differences of an in-process J, kinks, directions."""

from __future__ import annotations

import numpy as np

from gradcheck.check import fd
from gradcheck.check.local_fd import direction_slopes, disagreeing, entry_slopes, noise_floor, random_directions


def quadratic(thetas):
    x, = thetas
    return float(np.sum(x**2) + np.sum(np.arange(x.size) * x.reshape(-1)))


def test_entry_slopes_of_a_smooth_function_match_and_find_no_kink():
    x = np.array([[0.3, -1.2], [2.0, 5.5]])
    entries = [(0, i) for i in range(x.size)]
    s = entry_slopes(quadratic, [x], entries, quadratic([x]), 8, 1e-5)
    expected = (2 * x + np.arange(4).reshape(2, 2)).reshape(-1)
    assert np.allclose(s.slopes, expected, rtol=1e-8)
    assert not s.kinked.any() and s.evaluations == 8
    assert np.array_equal(x, [[0.3, -1.2], [2.0, 5.5]])  # restored


def test_a_kink_off_centre_is_told_from_curvature():
    x = np.array([1e-7, 0.7])  # |x[0]| sits within the step, off centre

    def j(thetas):
        return float(np.sum(np.abs(thetas[0])) + thetas[0][1] ** 3)

    s = entry_slopes(j, [x], [(0, 0), (0, 1)], j([x]), 8, 1e-5)
    assert s.kinked.tolist() == [True, False]
    assert abs(s.slopes[1] - (1 + 3 * 0.49)) < 1e-8


def test_float32_steps_are_the_ones_represented():
    x = np.array([1.0, 3.0], dtype=np.float32)
    s = entry_slopes(quadratic, [x], [(0, 0), (0, 1)], quadratic([x]), 4, 3e-3)
    assert np.allclose(s.slopes, [2.0, 7.0], rtol=1e-3)
    assert s.noise == noise_floor(4, quadratic([x]), _width(x))


def _width(x):
    h = fd.step(x, 4).reshape(-1)
    widths = []
    for i in range(x.size):
        up = np.float32(x[i] + h[i]) - np.float64(x[i])
        down = np.float64(x[i]) - np.float32(x[i] - h[i])
        widths.append((up + down) / 2)
    return float(min(widths))


def test_directions_predict_the_analytic_slope_and_flag_a_wrong_gradient():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))
    grad = [2 * x + np.arange(12).reshape(3, 4)]
    dirs = random_directions([x.shape], 4, rng)
    assert all(abs(np.linalg.norm(d[0]) - 1) < 1e-12 for d in dirs)
    s = direction_slopes(quadratic, [x], dirs, float(np.max(fd.step(x))), grad, 8, 1e-5)
    assert not disagreeing(s.slopes, s.predicted, ~s.kinked, 1e-5, s.noise).any()
    wrong = [grad[0] * 1.01]
    s = direction_slopes(quadratic, [x], dirs, float(np.max(fd.step(x))), wrong, 8, 1e-5)
    assert disagreeing(s.slopes, s.predicted, ~s.kinked, 1e-5, s.noise).all()


def test_directions_through_one_argument_leave_the_others():
    dirs = random_directions([(2,), (3,)], 2, np.random.default_rng(0), only=1)
    assert all(d[0] is None and d[1].shape == (3,) for d in dirs)


def test_nan_is_never_a_slope_that_passes():
    s = entry_slopes(lambda t: float("nan") if t[0][0] > 1 else float(t[0][0]), [np.array([1.0])], [(0, 0)], 1.0, 8, 1e-5)
    assert not s.finite
