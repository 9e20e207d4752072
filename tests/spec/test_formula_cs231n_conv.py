"""CS231n's (N, C, H, W) conv, pooling and group helpers against naive loops and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.errors import FormulaError
from gradcheck.spec import formula as fm
from gradcheck.spec import formula_cs231n_conv as cc


def naive_conv(x, w, b, s, p):
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    f, hh, ww = w.shape[0], w.shape[2], w.shape[3]
    ho, wo = (xp.shape[2] - hh) // s + 1, (xp.shape[3] - ww) // s + 1
    out = np.zeros((x.shape[0], f, ho, wo))
    for n in range(x.shape[0]):
        for k in range(f):
            for i in range(ho):
                for j in range(wo):
                    out[n, k, i, j] = np.sum(xp[n, :, i * s : i * s + hh, j * s : j * s + ww] * w[k]) + b[k]
    return out


def naive_maxpool(x, ph, pw, s):
    ho, wo = (x.shape[2] - ph) // s + 1, (x.shape[3] - pw) // s + 1
    out = np.zeros((x.shape[0], x.shape[1], ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = x[:, :, i * s : i * s + ph, j * s : j * s + pw].max(axis=(2, 3))
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


CONV = [(3, 3, 1, 1), (2, 3, 2, 0), (3, 2, 2, 1), (1, 1, 1, 0), (4, 2, 3, 2)]  # HH, WW, stride, pad


@pytest.mark.parametrize("hh,ww,s,p", CONV)
def test_conv_matches_loops_and_its_gradients_match_finite_differences(hh, ww, s, p):
    rng = np.random.default_rng(hh * 100 + ww * 10 + s + p)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, hh, ww)), rng.normal(size=4)
    out = cc.conv_nchw(x, w, b, s, p)
    np.testing.assert_allclose(out, naive_conv(x, w, b, s, p), rtol=1e-12, atol=1e-12)
    dout = rng.normal(size=out.shape)
    dx = cc.conv_nchw_backward_x(dout, w, s, p, x)
    dw = cc.conv_nchw_backward_w(dout, x, hh, ww, s, p)
    assert dx.shape == x.shape and dw.shape == w.shape
    np.testing.assert_allclose(dx, numeric(lambda v: np.sum(naive_conv(v, w, b, s, p) * dout), x.copy()), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dw, numeric(lambda v: np.sum(naive_conv(x, v, b, s, p) * dout), w.copy()), rtol=1e-6, atol=1e-7)


POOL = [(2, 2, 2), (3, 2, 1), (2, 3, 2), (3, 3, 2), (1, 1, 1)]  # pool_height, pool_width, stride


@pytest.mark.parametrize("ph,pw,s", POOL)
def test_maxpool_matches_loops_and_its_gradient_matches_finite_differences(ph, pw, s):
    rng = np.random.default_rng(ph * 100 + pw * 10 + s)
    x = rng.normal(size=(2, 3, 7, 6))
    out = cc.maxpool_nchw(x, ph, pw, s)
    np.testing.assert_allclose(out, naive_maxpool(x, ph, pw, s))
    dout = rng.normal(size=out.shape)
    dx = cc.maxpool_nchw_backward(dout, x, ph, pw, s)
    np.testing.assert_allclose(dx, numeric(lambda v: np.sum(naive_maxpool(v, ph, pw, s) * dout), x.copy()), rtol=1e-6, atol=1e-7)


def test_the_stride_ignored_walk_and_the_spread_differ_from_the_gradient():
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3))
    dout = rng.normal(size=(2, 4, 3, 3))  # stride 2, pad 0
    right, walked = cc.conv_nchw_backward_x(dout, w, 2, 0, x), cc.conv_nchw_backward_x(dout, w, 1, 0, x)
    assert right.shape == walked.shape and not np.allclose(right, walked)
    assert np.all(walked[:, :, 5:, :] == 0)  # a stride-1 walk over 3×3 positions never reaches the last rows
    pool = rng.normal(size=(2, 3, 3, 3))
    spread = cc.pool_nchw_spread(pool, x, 2, 2, 2)
    assert np.isclose(spread.sum(), 4 * pool.sum()) and not np.allclose(spread, cc.maxpool_nchw_backward(pool, x, 2, 2, 2))


def test_the_overwriting_mistakes_match_loops_that_assign():
    rng = np.random.default_rng(11)
    x, w = rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(4, 3, 3, 2))
    s, p = 2, 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dout = rng.normal(size=cc.conv_nchw(x, w, np.zeros(4), s, p).shape)
    dw = np.zeros_like(w)
    for n in range(2):
        for f in range(4):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dw[f] = xp[n, :, i * s : i * s + 3, j * s : j * s + 2] * dout[n, f, i, j]
    np.testing.assert_allclose(cc.conv_nchw_last_window_w(dout, x, 3, 2, s, p), dw)
    pool = rng.normal(size=(2, 3, 4, 5))  # 2×2 windows at stride 1: they overlap
    dx = np.zeros_like(x)
    for n in range(2):
        for c in range(3):
            for i in range(4):
                for j in range(5):
                    window = x[n, c, i : i + 2, j : j + 2]
                    dx[n, c, i : i + 2, j : j + 2] = (window == window.max()) * pool[n, c, i, j]
    assigned = cc.maxpool_nchw_backward_assigned(pool, x, 2, 2, 1)
    np.testing.assert_allclose(assigned, dx)
    assert not np.allclose(assigned, cc.maxpool_nchw_backward(pool, x, 2, 2, 1))
    tiles = rng.normal(size=(2, 3, 2, 3))  # 2×2 at stride 2: no overlap, so = and += agree
    np.testing.assert_allclose(cc.maxpool_nchw_backward_assigned(tiles, x, 2, 2, 2), cc.maxpool_nchw_backward(tiles, x, 2, 2, 2))


def test_groups_channels_and_rows():
    x = np.arange(2 * 6 * 2 * 3, dtype=float).reshape(2, 6, 2, 3)
    assert cc.groups(x, 3).shape == (2, 3, 12)
    assert np.array_equal(cc.groups(x, 3)[1, 2], x[1, 4:6].ravel())
    assert cc.channels(np.arange(6)).shape == (1, 6, 1, 1)
    rows = cc.nhwc_rows(x)
    assert rows.shape == (12, 6) and np.array_equal(rows[0], x[0, :, 0, 0])
    assert cc.nchw_rows(x).shape == (12, 6) and not np.array_equal(cc.nchw_rows(x), rows)
    with pytest.raises(FormulaError, match="does not divide"):
        cc.groups(x, 4)


def test_refusals():
    with pytest.raises(FormulaError, match="4 axes"):
        cc.conv_nchw(np.zeros((2, 3, 4)), np.zeros((1, 3, 2, 2)), np.zeros(1), 1, 0)
    with pytest.raises(FormulaError, match="do not fit"):
        cc.maxpool_nchw(np.zeros((1, 1, 2, 2)), 3, 3, 1)
    with pytest.raises(FormulaError, match="stride"):
        cc.conv_nchw(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), np.zeros(1), 0, 0)


def test_registered_in_the_formula_language():
    env = {"x": np.ones((1, 2, 3, 3)), "w": np.ones((1, 2, 2, 2)), "b": np.zeros(1)}
    out = fm.evaluate(fm.parse("conv_nchw(x, w, b, 1, 0)"), env)
    assert out.shape == (1, 1, 2, 2) and np.all(out == 8)
