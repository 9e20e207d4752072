"""formula_conv_slips.py: each wrong conv or pooling gradient is what the course's four nested
loops compute with that one mistake (checked against the loops themselves)."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.errors import FormulaError
from gradcheck.spec import formula_conv as fc
from gradcheck.spec import formula_conv_slips as fs

SIZES = [(3, 1, 1), (2, 2, 0), (3, 2, 2)]  # (f, stride, pad), as the conv spec's trials


def _conv_loops(a, W, dZ, f, s, p, *, input_window=False, assign_dw=False, reset_db=False):
    """The course's conv_backward, with one of its loop mistakes switched on."""
    padded = np.pad(a, ((0, 0), (p, p), (p, p), (0, 0)))
    dA = np.zeros(padded.shape)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, dZ.shape[3]))
    for i in range(dZ.shape[0]):
        if reset_db:
            db = np.zeros((1, 1, 1, dZ.shape[3]))
        for h in range(dZ.shape[1]):
            for w in range(dZ.shape[2]):
                for c in range(dZ.shape[3]):
                    window = (i, slice(h * s, h * s + f), slice(w * s, w * s + f), slice(None))
                    dA[window] += (padded[window] if input_window else W[:, :, :, c]) * dZ[i, h, w, c]
                    if assign_dw:
                        dW[:, :, :, c] = padded[window] * dZ[i, h, w, c]
                    else:
                        dW[:, :, :, c] += padded[window] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    return dA[:, p : dA.shape[1] - p, p : dA.shape[2] - p, :], dW, db


def _pool_loops(a, dA, f, s, *, assign=False, mask_stride=None):
    grad = np.zeros(a.shape)
    ms = s if mask_stride is None else mask_stride
    for i in range(dA.shape[0]):
        for h in range(dA.shape[1]):
            for w in range(dA.shape[2]):
                for c in range(dA.shape[3]):
                    source = a[i, h * ms : h * ms + f, w * ms : w * ms + f, c]
                    share = (source == np.max(source)) * dA[i, h, w, c]
                    to = (i, slice(h * s, h * s + f), slice(w * s, w * s + f), c)
                    if assign:
                        grad[to] = share
                    else:
                        grad[to] += share
    return grad


@pytest.mark.parametrize(("f", "s", "p"), SIZES)
def test_conv_slips_are_the_loops_with_their_mistake(f, s, p):
    rng = np.random.default_rng(7)
    a = rng.normal(size=(2, 6, 5, 3))
    W = rng.normal(size=(f, f, 3, 4))
    n_h, n_w = fc.conv_out(6, f, s, p), fc.conv_out(5, f, s, p)
    dZ = rng.normal(size=(2, n_h, n_w, 4))
    right = _conv_loops(a, W, dZ, f, s, p)
    np.testing.assert_allclose(fc.conv2d_backward_x(dZ, W, s, p, a), right[0], atol=1e-12)  # the loops are the course's
    np.testing.assert_allclose(fs.conv2d_backward_x_input(dZ, a, f, s, p), _conv_loops(a, W, dZ, f, s, p, input_window=True)[0], atol=1e-12)
    np.testing.assert_allclose(fs.conv2d_backward_w_last(dZ, a, f, s, p), _conv_loops(a, W, dZ, f, s, p, assign_dw=True)[1], atol=1e-12)
    db = np.sum(fs.last_example(dZ), axis=(0, 1, 2), keepdims=True)
    np.testing.assert_allclose(db, _conv_loops(a, W, dZ, f, s, p, reset_db=True)[2], atol=1e-12)
    assert not np.allclose(db, right[2])


@pytest.mark.parametrize(("f", "s"), [(3, 1), (2, 2), (3, 2)])
def test_pool_slips_are_the_loops_with_their_mistake(f, s):
    rng = np.random.default_rng(11)
    a = rng.normal(size=(2, 7, 6, 3))
    dA = rng.normal(size=(2, fc.conv_out(7, f, s), fc.conv_out(6, f, s), 3))
    np.testing.assert_allclose(fc.maxpool2d_backward(dA, a, f, s), _pool_loops(a, dA, f, s), atol=1e-12)
    np.testing.assert_allclose(fs.maxpool2d_backward_assign(dA, a, f, s), _pool_loops(a, dA, f, s, assign=True), atol=1e-12)
    np.testing.assert_allclose(fs.maxpool2d_backward_mask_at(dA, a, f, s, 1), _pool_loops(a, dA, f, s, mask_stride=1), atol=1e-12)
    overlapping = f > s
    assert np.allclose(fs.maxpool2d_backward_assign(dA, a, f, s), fc.maxpool2d_backward(dA, a, f, s)) is not overlapping


def test_last_example_refuses_a_scalar():
    with pytest.raises(FormulaError):
        fs.last_example(3.0)


@pytest.mark.parametrize(("f", "s", "p"), SIZES)
def test_padding_and_window_slips(f, s, p):
    rng = np.random.default_rng(5)
    a = rng.normal(size=(2, 6, 5, 3))
    W = rng.normal(size=(f, f, 3, 4))
    dZ = rng.normal(size=(2, fc.conv_out(6, f, s, p), fc.conv_out(5, f, s, p), 4))
    padded = fs.conv2d_backward_x_padded(dZ, W, s, p, a)  # the loops' da_prev_pad, before the cut
    assert padded.shape == (2, 6 + 2 * p, 5 + 2 * p, 3)
    np.testing.assert_allclose(padded[:, p : p + 6, p : p + 5, :], fc.conv2d_backward_x(dZ, W, s, p, a), atol=1e-12)
    assert fs.pad_every_axis(a, p).shape == tuple(n + 2 * p for n in a.shape)
    b = rng.normal(size=(1, 1, 1, 4))
    walked = fs.crop_like(fc.conv2d(a, W, b, 1, p), fc.conv2d(a, W, b, s, p))  # windows at (h, w), the strided count of them
    n_h, n_w = walked.shape[1:3]
    np.testing.assert_allclose(walked, fc.conv2d(a, W, b, 1, p)[:, :n_h, :n_w, :], atol=1e-12)
    assert walked.shape == fc.conv2d(a, W, b, s, p).shape
    with pytest.raises(FormulaError):
        fs.crop_like(np.zeros((2, 2)), np.zeros((3, 2)))


def test_max_mask_along_marks_each_columns_maximum():
    x = np.array([[1.0, 5.0], [3.0, 4.0]])
    assert fs.max_mask_along(x, 0).tolist() == [[False, True], [True, False]]
    assert fs.max_mask_along(x, 1).tolist() == [[False, True], [False, True]]
    assert fc.max_mask(x).sum() == 1
    with pytest.raises(FormulaError):
        fs.max_mask_along(x, 2)
