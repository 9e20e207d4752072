"""Convolution and pooling gradients as students get them wrong, for a spec's ``mistakes:``.

Registered into ``formula.FUNCTIONS`` beside formula_conv's reference functions, so that a
spec can write a classic loop mistake as a formula and gradcheck can name it: a sum
overwritten (``=`` where ``+=`` belongs), a window taken from the wrong array or at the wrong
place. Each function follows the course's loop order (examples, rows, columns, channels),
which decides which write is the last one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import FormulaError
from .formula_conv import _hyper, _rank4, _windows, pad4, spread_back_padded


def conv2d_backward_x_input(dZ: Any, a: Any, f: Any, stride: Any, pad: Any) -> np.ndarray:
    """dA_prev when each window adds the input window ``a_slice * dZ[i, h, w, c]`` instead of
    the filter ``W[:, :, :, c] * dZ[i, h, w, c]``."""
    dZ = _rank4(dZ, "dZ")
    s, p = _hyper(stride, "stride", 1), _hyper(pad, "pad", 0)
    padded = pad4(a, p)
    grad = np.zeros(padded.shape)
    upstream = np.sum(dZ, axis=3, keepdims=True)  # the loop over c adds a_slice · dZ[..., c] for every c
    for _, _, index in _windows(padded.shape, _hyper(f, "f", 1), s, dZ.shape):
        grad[index] += padded[index] * upstream
    return grad[:, p : padded.shape[1] - p, p : padded.shape[2] - p, :]


def conv2d_backward_w_last(dZ: Any, a: Any, f: Any, stride: Any, pad: Any) -> np.ndarray:
    """dW when ``dW[:, :, :, c] = a_slice * dZ[i, h, w, c]`` overwrites instead of adding: what
    is left is the last example's last window."""
    dZ, padded = _rank4(dZ, "dZ"), pad4(a, pad)
    f, s = _hyper(f, "f", 1), _hyper(stride, "stride", 1)
    list(_windows(padded.shape, f, s, dZ.shape))  # refuses a window that does not fit
    top, left = (dZ.shape[1] - 1) * s, (dZ.shape[2] - 1) * s
    window = padded[-1, top : top + f, left : left + f, :]
    return window[..., None] * dZ[-1, -1, -1, :]


def last_example(x: Any) -> np.ndarray:
    """The last entry along the first axis, the axis kept (a sum started again for every example)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.shape[0] == 0:
        raise FormulaError("last_example needs an array with a first axis")
    return x[-1:]


def maxpool2d_backward_assign(dA: Any, a: Any, f: Any, stride: Any) -> np.ndarray:
    """Max pooling's gradient when each window is written with ``=`` instead of ``+=``: where
    windows overlap, the later window (in row, then column order) overwrites the earlier one."""
    a, dA = _rank4(a, "the pool's input"), _rank4(dA, "dA")
    f, s = _hyper(f, "f", 1), _hyper(stride, "stride", 1)
    list(_windows(a.shape, f, s, dA.shape))  # refuses a window that does not fit
    grad = np.zeros(a.shape)
    for h in range(dA.shape[1]):
        for w in range(dA.shape[2]):
            window = a[:, h * s : h * s + f, w * s : w * s + f, :]
            mask = window == np.max(window, axis=(1, 2), keepdims=True)
            grad[:, h * s : h * s + f, w * s : w * s + f, :] = mask * dA[:, h : h + 1, w : w + 1, :]
    return grad


def maxpool2d_backward_mask_at(dA: Any, a: Any, f: Any, stride: Any, mask_stride: Any) -> np.ndarray:
    """Max pooling's gradient when the mask is taken from the window at (h·mask_stride,
    w·mask_stride) but added to the window at (h·stride, w·stride)."""
    a, dA = _rank4(a, "the pool's input"), _rank4(dA, "dA")
    f = _hyper(f, "f", 1)
    placed = list(_windows(a.shape, f, _hyper(stride, "stride", 1), dA.shape))
    masked = list(_windows(a.shape, f, _hyper(mask_stride, "mask_stride", 1), dA.shape))
    top = np.max(np.stack([a[index] for _, _, index in masked]), axis=0)
    grad = np.zeros(a.shape)
    for (_, _, to), (_, _, source) in zip(placed, masked):
        grad[to] += (a[source] == top) * dA
    return grad


def conv2d_backward_x_padded(dZ: Any, W: Any, stride: Any, pad: Any, a: Any) -> np.ndarray:
    """dA_prev left padded: ``da_prev_pad`` returned without cutting the pad rows and columns off."""
    return spread_back_padded(dZ, W, stride, pad, a)[0]


def pad_every_axis(x: Any, pad: Any) -> np.ndarray:
    """``np.pad(x, pad)``: zeros around every axis, the examples' and the channels' too."""
    return np.pad(np.asarray(x, dtype=np.float64), _hyper(pad, "pad", 0))


def crop_like(x: Any, like: Any) -> np.ndarray:
    """The leading part of ``x`` in the shape of ``like`` (windows walked over too few positions)."""
    x, shape = np.asarray(x, dtype=np.float64), np.shape(like)
    if x.ndim != len(shape) or any(n > m for n, m in zip(shape, x.shape)):
        raise FormulaError(f"crop_like cannot cut shape {x.shape} to {shape}")
    return x[tuple(slice(0, n) for n in shape)]


def max_mask_along(x: Any, axis: Any) -> np.ndarray:
    """True where ``x`` holds the maximum of its column (axis 0) or row (axis 1), not of all of it."""
    x, axis = np.asarray(x, dtype=np.float64), int(np.asarray(axis))
    if not -x.ndim <= axis < x.ndim:
        raise FormulaError(f"max_mask_along: axis {axis} is out of range for {x.ndim} axes")
    return x == np.max(x, axis=axis, keepdims=True)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "max_mask_along": max_mask_along,
    "conv2d_backward_x_padded": conv2d_backward_x_padded,
    "pad_every_axis": pad_every_axis,
    "crop_like": crop_like,
    "conv2d_backward_x_input": conv2d_backward_x_input,
    "conv2d_backward_w_last": conv2d_backward_w_last,
    "last_example": last_example,
    "maxpool2d_backward_assign": maxpool2d_backward_assign,
    "maxpool2d_backward_mask_at": maxpool2d_backward_mask_at,
}
