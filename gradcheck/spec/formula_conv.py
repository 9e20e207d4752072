"""Convolution and pooling for reference formulas (arrays laid out as (m, n_H, n_W, n_C)).

Registered into ``formula.FUNCTIONS``. Each function is pure and vectorized: it loops over
the f×f window offsets only, never over output positions, so a reference conv at course
size costs microseconds and the spec's finite-difference validation stays fast. Gradients
are vector-Jacobian products: given the upstream dZ, the gradient of sum(Z * dZ).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import FormulaError

MAX_WINDOW = 64  # f, stride and pad are small hyperparameters: refuse absurd ones early


def _hyper(value: Any, what: str, low: int) -> int:
    number = float(np.asarray(value))
    if number != int(number) or not low <= number <= MAX_WINDOW:
        raise FormulaError(f"{what} must be a whole number from {low} to {MAX_WINDOW} (got {number:g})")
    return int(number)


def _rank4(x: Any, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise FormulaError(f"{what} must have 4 axes (m, n_H, n_W, n_C), got shape {x.shape}")
    return x


def conv_out(n: Any, f: Any, stride: Any, pad: Any = 0) -> int:
    """Output size of a convolution or pool: floor((n + 2·pad − f) / stride) + 1."""
    n, f, s, p = int(n), _hyper(f, "f", 1), _hyper(stride, "stride", 1), _hyper(pad, "pad", 0)
    return (n + 2 * p - f) // s + 1


def pad4(x: Any, pad: Any) -> np.ndarray:
    """Zero padding of the two spatial axes (n_H, n_W) of an (m, n_H, n_W, n_C) array."""
    p, x = _hyper(pad, "pad", 0), _rank4(x, "pad4's array")
    out = np.zeros((x.shape[0], x.shape[1] + 2 * p, x.shape[2] + 2 * p, x.shape[3]))
    out[:, p : p + x.shape[1], p : p + x.shape[2], :] = x  # (np.pad is ten times slower at this size)
    return out


def _windows(shape: tuple[int, ...], f: int, s: int, out: tuple[int, ...] | None = None):
    """(di, dj, index) for each window offset: index selects, for every output position
    (h, w), the input entry at (h·s + di, w·s + dj). ``out``: the upstream gradient's shape,
    whose n_H × n_W positions are used (a stride-1 walk over them is the stride-ignored mistake)."""
    n_h, n_w = ((shape[1] - f) // s + 1, (shape[2] - f) // s + 1) if out is None else (out[1], out[2])
    if n_h < 1 or n_w < 1 or s * (n_h - 1) + f > shape[1] or s * (n_w - 1) + f > shape[2]:
        raise FormulaError(f"{n_h}×{n_w} windows of {f}×{f} at stride {s} do not fit in {shape[1]}×{shape[2]}")
    for di in range(f):
        for dj in range(f):
            yield di, dj, (slice(None), slice(di, di + s * (n_h - 1) + 1, s), slice(dj, dj + s * (n_w - 1) + 1, s), slice(None))


def conv2d(a: Any, W: Any, b: Any, stride: Any, pad: Any) -> np.ndarray:
    """Z[i, h, w, c] = sum(a_pad[i, h·s:h·s+f, w·s:w·s+f, :] * W[..., c]) + b[..., c]."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 4:
        raise FormulaError(f"conv2d's W must be (f, f, n_C_prev, n_C), got shape {W.shape}")
    s, padded, f = _hyper(stride, "stride", 1), pad4(a, pad), W.shape[0]
    list(_windows(padded.shape, f, s))  # refuses a window that does not fit
    # every f×f window as a strided view (m, n_H, n_W, n_C_prev, f, f), contracted in one BLAS call
    windows = np.lib.stride_tricks.sliding_window_view(padded, (f, f), axis=(1, 2))[:, ::s, ::s]
    return np.tensordot(windows, W, axes=([3, 4, 5], [2, 0, 1])) + np.reshape(b, (1, 1, 1, -1))


def spread_back_padded(dZ: Any, W: Any, stride: Any, pad: Any, a: Any) -> tuple[np.ndarray, int]:
    """(the gradient with respect to the padded ``a``, pad): each dZ entry spread back over its
    window, weighted by W (conv2d_backward_x cuts the pad off; the padded-return slip does not)."""
    W, dZ = np.asarray(W, dtype=np.float64), _rank4(dZ, "dZ")
    s, p = _hyper(stride, "stride", 1), _hyper(pad, "pad", 0)
    shape = np.shape(pad4(a, p))
    grad = np.zeros(shape)
    for di, dj, index in _windows(shape, W.shape[0], s, dZ.shape):
        grad[index] += np.einsum("mhwk,ck->mhwc", dZ, W[di, dj])
    return grad, p


def conv2d_backward_x(dZ: Any, W: Any, stride: Any, pad: Any, a: Any) -> np.ndarray:
    """dA_prev (the shape of ``a``): each dZ entry spread back over its window, weighted by W."""
    grad, p = spread_back_padded(dZ, W, stride, pad, a)
    return grad[:, p : grad.shape[1] - p, p : grad.shape[2] - p, :]


def conv2d_backward_w(dZ: Any, a: Any, f: Any, stride: Any, pad: Any) -> np.ndarray:
    """dW (f, f, n_C_prev, n_C): each filter entry's input window times dZ, summed over m and positions."""
    dZ, padded = _rank4(dZ, "dZ"), pad4(a, pad)
    f, s = _hyper(f, "f", 1), _hyper(stride, "stride", 1)
    grad = np.zeros((f, f, padded.shape[3], dZ.shape[3]))
    for di, dj, index in _windows(padded.shape, f, s, dZ.shape):
        grad[di, dj] = np.einsum("mhwc,mhwk->ck", padded[index], dZ)
    return grad


def _pool_windows(a: Any, f: Any, stride: Any, out: Any = None):
    a = _rank4(a, "the pool's input")
    return a, list(_windows(a.shape, _hyper(f, "f", 1), _hyper(stride, "stride", 1), None if out is None else np.shape(out)))


def maxpool2d(a: Any, f: Any, stride: Any) -> np.ndarray:
    a, windows = _pool_windows(a, f, stride)
    return np.max(np.stack([a[index] for _, _, index in windows]), axis=0)


def avgpool2d(a: Any, f: Any, stride: Any) -> np.ndarray:
    a, windows = _pool_windows(a, f, stride)
    return np.mean(np.stack([a[index] for _, _, index in windows]), axis=0)


def maxpool2d_backward(dA: Any, a: Any, f: Any, stride: Any) -> np.ndarray:
    """Each upstream entry to its window's maximum (every maximum on a tie, as the course's
    mask x == max(x) does); overlapping windows add up."""
    a, windows = _pool_windows(a, f, stride, dA)
    top = np.max(np.stack([a[index] for _, _, index in windows]), axis=0)
    grad = np.zeros(a.shape)
    for _, _, index in windows:
        grad[index] += (a[index] == top) * np.asarray(dA, dtype=np.float64)
    return grad


def avgpool2d_backward(dA: Any, a: Any, f: Any, stride: Any) -> np.ndarray:
    """Each upstream entry shared equally by the f·f entries of its window."""
    a, windows = _pool_windows(a, f, stride, dA)
    grad = np.zeros(a.shape)
    share = np.asarray(dA, dtype=np.float64) / len(windows)
    for _, _, index in windows:
        grad[index] += share
    return grad


def max_mask(x: Any) -> np.ndarray:
    """True where ``x`` holds its maximum (the course's create_mask_from_window: a boolean array)."""
    x = np.asarray(x, dtype=np.float64)
    return x == np.max(x)


def fill(value: Any, n_h: Any, n_w: Any) -> np.ndarray:
    """An (n_h, n_w) array of ``value`` (the course's distribute_value)."""
    shape = (_hyper(n_h, "a window height", 1), _hyper(n_w, "a window width", 1))
    return np.full(shape, float(np.asarray(value)))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "conv_out": conv_out,
    "pad4": pad4,
    "conv2d": conv2d,
    "conv2d_backward_x": conv2d_backward_x,
    "conv2d_backward_w": conv2d_backward_w,
    "maxpool2d": maxpool2d,
    "avgpool2d": avgpool2d,
    "maxpool2d_backward": maxpool2d_backward,
    "avgpool2d_backward": avgpool2d_backward,
    "max_mask": max_mask,
    "fill": fill,
}
