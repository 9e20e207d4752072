"""The conv and pooling formula functions against naive loops and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.errors import FormulaError
from gradcheck.spec import formula as fm
from gradcheck.spec import formula_conv as fc


def naive_conv(a, W, b, s, p):
    ap = np.pad(a, ((0, 0), (p, p), (p, p), (0, 0)))
    f, n_c = W.shape[0], W.shape[3]
    n_h, n_w = (ap.shape[1] - f) // s + 1, (ap.shape[2] - f) // s + 1
    out = np.zeros((a.shape[0], n_h, n_w, n_c))
    for i in range(a.shape[0]):
        for h in range(n_h):
            for w in range(n_w):
                for c in range(n_c):
                    out[i, h, w, c] = np.sum(ap[i, h * s : h * s + f, w * s : w * s + f, :] * W[..., c]) + b[0, 0, 0, c]
    return out


def naive_pool(a, f, s, reduce):
    n_h, n_w = (a.shape[1] - f) // s + 1, (a.shape[2] - f) // s + 1
    out = np.zeros((a.shape[0], n_h, n_w, a.shape[3]))
    for i in range(a.shape[0]):
        for h in range(n_h):
            for w in range(n_w):
                for c in range(a.shape[3]):
                    out[i, h, w, c] = reduce(a[i, h * s : h * s + f, w * s : w * s + f, c])
    return out


def numeric(fun, x, h=1e-6):
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        up = fun(x)
        x[k] = old - h
        down = fun(x)
        x[k] = old
        grad[k] = (up - down) / (2 * h)
    return grad


CASES = [(3, 1, 1), (2, 2, 0), (3, 2, 2), (1, 1, 0), (4, 3, 1)]  # f, stride, pad


@pytest.mark.parametrize("f,s,p", CASES)
def test_conv2d_matches_loops(f, s, p):
    rng = np.random.default_rng(f * 10 + s + p)
    a, W, b = rng.normal(size=(2, 6, 5, 3)), rng.normal(size=(f, f, 3, 4)), rng.normal(size=(1, 1, 1, 4))
    np.testing.assert_allclose(fc.conv2d(a, W, b, s, p), naive_conv(a, W, b, s, p), rtol=1e-12, atol=1e-12)
    assert fc.conv2d(a, W, b, s, p).shape[1:3] == (fc.conv_out(6, f, s, p), fc.conv_out(5, f, s, p))


@pytest.mark.parametrize("f,s,p", CASES)
def test_conv2d_backward_matches_finite_differences(f, s, p):
    rng = np.random.default_rng(f * 7 + s + p)
    a, W, b = rng.normal(size=(2, 5, 4, 2)), rng.normal(size=(f, f, 2, 3)), rng.normal(size=(1, 1, 1, 3))
    dZ = rng.normal(size=naive_conv(a, W, b, s, p).shape)
    da = numeric(lambda x: np.sum(naive_conv(x, W, b, s, p) * dZ), a.copy())
    dW = numeric(lambda x: np.sum(naive_conv(a, x, b, s, p) * dZ), W.copy())
    np.testing.assert_allclose(fc.conv2d_backward_x(dZ, W, s, p, a), da, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(fc.conv2d_backward_w(dZ, a, f, s, p), dW, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f,s", [(3, 1), (2, 2), (3, 2), (2, 1)])
def test_pooling_matches_loops_and_finite_differences(f, s):
    rng = np.random.default_rng(f + 5 * s)
    a = rng.normal(size=(1, 6, 5, 2))
    np.testing.assert_allclose(fc.maxpool2d(a, f, s), naive_pool(a, f, s, np.max))
    np.testing.assert_allclose(fc.avgpool2d(a, f, s), naive_pool(a, f, s, np.mean))
    dA = rng.normal(size=fc.maxpool2d(a, f, s).shape)
    dmax = numeric(lambda x: np.sum(naive_pool(x, f, s, np.max) * dA), a.copy())
    davg = numeric(lambda x: np.sum(naive_pool(x, f, s, np.mean) * dA), a.copy())
    np.testing.assert_allclose(fc.maxpool2d_backward(dA, a, f, s), dmax, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(fc.avgpool2d_backward(dA, a, f, s), davg, rtol=1e-6, atol=1e-7)


def test_max_pool_backward_gives_every_tied_maximum_its_share():
    a = np.zeros((1, 2, 2, 1))  # one window, four equal entries: the course's mask marks them all
    grad = fc.maxpool2d_backward(np.ones((1, 1, 1, 1)), a, 2, 2)
    assert grad.sum() == 4.0


def test_pad4_mask_and_fill():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    padded = fc.pad4(x, 2)
    assert padded.shape == (1, 6, 7, 4) and padded[:, 2:4, 2:5, :].sum() == x.sum() and padded.sum() == x.sum()
    assert fc.max_mask(np.array([[1.0, 3.0], [2.0, 0.0]])).tolist() == [[False, True], [False, False]]
    np.testing.assert_allclose(fc.fill(2.0, 2, 4), np.full((2, 4), 2.0))


def test_formulas_reach_the_functions_and_reject_bad_hyperparameters():
    a, W, b = np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 1)), np.zeros((1, 1, 1, 1))
    env = {"a": a, "W": W, "b": b, "s": 1, "p": 0}
    assert fm.evaluate(fm.parse("conv2d(a, W, b, s, p)"), env).shape == (1, 2, 2, 1)
    assert fm.evaluate(fm.parse("conv_out(7, 3, 2, 1)"), {}) == 4
    with pytest.raises(FormulaError, match="stride"):
        fm.evaluate(fm.parse("conv2d(a, W, b, 0, p)"), env)
    with pytest.raises(FormulaError, match="do not fit"):
        fm.evaluate(fm.parse("maxpool2d(a, 5, 1)"), env)
    with pytest.raises(FormulaError, match="4 axes"):
        fm.evaluate(fm.parse("pad4(s, 1)"), env)


def test_a_stride_one_walk_over_dZ_is_the_stride_ignored_mistake():
    """With dZ's own positions, stride 1 in the backward formulas is a window at (h, w): what
    a loop that leaves the stride out of vert_start computes."""
    rng = np.random.default_rng(3)
    a, W, f, s, p = rng.normal(size=(1, 7, 6, 2)), rng.normal(size=(3, 3, 2, 2)), 3, 2, 1
    dZ = rng.normal(size=(1, fc.conv_out(7, f, s, p), fc.conv_out(6, f, s, p), 2))
    ap, want = np.pad(a, ((0, 0), (p, p), (p, p), (0, 0))), np.zeros((1, 9, 8, 2))
    for h in range(dZ.shape[1]):
        for w in range(dZ.shape[2]):
            want[0, h : h + f, w : w + f, :] += W @ dZ[0, h, w, :]
    np.testing.assert_allclose(fc.conv2d_backward_x(dZ, W, 1, p, a), want[:, p:-p, p:-p, :])
    assert fc.conv2d_backward_w(dZ, a, f, 1, p).shape == W.shape and ap.shape == want.shape
