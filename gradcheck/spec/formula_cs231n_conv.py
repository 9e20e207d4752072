"""CS231n's convolution, max pooling and channel-wise normalization helpers for reference
formulas, on arrays laid out as (N, C, H, W) with filters (F, C, HH, WW).

Registered into ``formula.FUNCTIONS`` next to :mod:`formula_conv` (the DLS layout,
(m, n_H, n_W, n_C), square windows). CS231n's windows may be rectangular (HH × WW filters,
pool_height × pool_width pools), so the window walk is its own. Like formula_conv, every
function loops over the window offsets only, never over output positions, and each
gradient is a vector-Jacobian product: given the upstream dout, the gradient of
sum(out * dout). The backward functions walk dout's own Ho × Wo positions, so a stride of 1
passed to them expresses the classic "stride left out of the backward window" mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..errors import FormulaError
from .formula_conv import _hyper


def _nchw(x: Any, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise FormulaError(f"{what} must have 4 axes (N, C, H, W), got shape {x.shape}")
    return x


def pad_nchw(x: Any, pad: Any) -> np.ndarray:
    """Zero padding of the two spatial axes (H, W) of an (N, C, H, W) array."""
    p, x = _hyper(pad, "pad", 0), _nchw(x, "pad_nchw's array")
    out = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * p, x.shape[3] + 2 * p))
    out[:, :, p : p + x.shape[2], p : p + x.shape[3]] = x
    return out


def _windows(shape: tuple[int, ...], hh: int, ww: int, s: int, out: tuple[int, ...] | None = None) -> Iterator[tuple[int, int, tuple]]:
    """(di, dj, index) for each window offset: index selects, for every output position (i, j),
    the input entry at (i·s + di, j·s + dj). ``out``: the upstream gradient's shape, whose
    Ho × Wo positions are walked (a stride-1 walk over them is the stride-ignored mistake)."""
    n_h, n_w = ((shape[2] - hh) // s + 1, (shape[3] - ww) // s + 1) if out is None else (out[2], out[3])
    if n_h < 1 or n_w < 1 or s * (n_h - 1) + hh > shape[2] or s * (n_w - 1) + ww > shape[3]:
        raise FormulaError(f"{n_h}×{n_w} windows of {hh}×{ww} at stride {s} do not fit in {shape[2]}×{shape[3]}")
    for di in range(hh):
        for dj in range(ww):
            yield di, dj, (slice(None), slice(None), slice(di, di + s * (n_h - 1) + 1, s), slice(dj, dj + s * (n_w - 1) + 1, s))


def _filters(w: Any) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 4:
        raise FormulaError(f"a convolution's w must be (F, C, HH, WW), got shape {w.shape}")
    return w


def conv_nchw(x: Any, w: Any, b: Any, stride: Any, pad: Any) -> np.ndarray:
    """out[n, f, i, j] = sum(x_pad[n, :, i·s:i·s+HH, j·s:j·s+WW] * w[f]) + b[f]."""
    w, padded, s = _filters(w), pad_nchw(x, pad), _hyper(stride, "stride", 1)
    windows = list(_windows(padded.shape, w.shape[2], w.shape[3], s))
    out = sum(np.einsum("nchw,fc->nfhw", padded[index], w[:, :, di, dj]) for di, dj, index in windows)
    return out + np.reshape(b, (1, -1, 1, 1))


def conv_nchw_backward_x(dout: Any, w: Any, stride: Any, pad: Any, x: Any) -> np.ndarray:
    """dx (the shape of ``x``): each dout entry spread back over its window, weighted by w."""
    w, dout = _filters(w), _nchw(dout, "dout")
    s, p = _hyper(stride, "stride", 1), _hyper(pad, "pad", 0)
    shape = pad_nchw(x, p).shape
    grad = np.zeros(shape)
    for di, dj, index in _windows(shape, w.shape[2], w.shape[3], s, dout.shape):
        grad[index] += np.einsum("nfhw,fc->nchw", dout, w[:, :, di, dj])
    return grad[:, :, p : shape[2] - p, p : shape[3] - p]


def conv_nchw_backward_w(dout: Any, x: Any, hh: Any, ww: Any, stride: Any, pad: Any) -> np.ndarray:
    """dw (F, C, HH, WW): each filter entry's input window times dout, summed over N and positions."""
    dout, padded = _nchw(dout, "dout"), pad_nchw(x, pad)
    hh, ww, s = _hyper(hh, "HH", 1), _hyper(ww, "WW", 1), _hyper(stride, "stride", 1)
    grad = np.zeros((dout.shape[1], padded.shape[1], hh, ww))
    for di, dj, index in _windows(padded.shape, hh, ww, s, dout.shape):
        grad[:, :, di, dj] = np.einsum("nchw,nfhw->fc", padded[index], dout)
    return grad


def _pool(x: Any, ph: Any, pw: Any, stride: Any, dout: Any = None) -> tuple[np.ndarray, list]:
    x = _nchw(x, "the pool's input")
    ph, pw, s = _hyper(ph, "pool_height", 1), _hyper(pw, "pool_width", 1), _hyper(stride, "stride", 1)
    return x, list(_windows(x.shape, ph, pw, s, None if dout is None else np.shape(dout)))


def maxpool_nchw(x: Any, ph: Any, pw: Any, stride: Any) -> np.ndarray:
    x, windows = _pool(x, ph, pw, stride)
    return np.max(np.stack([x[index] for _, _, index in windows]), axis=0)


def maxpool_nchw_backward(dout: Any, x: Any, ph: Any, pw: Any, stride: Any) -> np.ndarray:
    """Each upstream entry to its window's maximum; overlapping windows add up. (The spec's
    draws are continuous, so no window holds a tie and every tie rule agrees.)"""
    x, windows = _pool(x, ph, pw, stride, dout)
    top = np.max(np.stack([x[index] for _, _, index in windows]), axis=0)
    grad = np.zeros(x.shape)
    for _, _, index in windows:
        grad[index] += (x[index] == top) * np.asarray(dout, dtype=np.float64)
    return grad


def pool_nchw_spread(dout: Any, x: Any, ph: Any, pw: Any, stride: Any) -> np.ndarray:
    """Each upstream entry to every entry of its window (a max-pool mask left out)."""
    x, windows = _pool(x, ph, pw, stride, dout)
    grad = np.zeros(x.shape)
    for _, _, index in windows:
        grad[index] += np.asarray(dout, dtype=np.float64)
    return grad


def conv_nchw_last_window_w(dout: Any, x: Any, hh: Any, ww: Any, stride: Any, pad: Any) -> np.ndarray:
    """dw when every window overwrites it (dw[f] = window * dout[n, f, i, j] instead of +=):
    whatever order the loops over n, i and j run in, the last example's last window is left."""
    dout, padded = _nchw(dout, "dout"), pad_nchw(x, pad)
    hh, ww, s = _hyper(hh, "HH", 1), _hyper(ww, "WW", 1), _hyper(stride, "stride", 1)
    list(_windows(padded.shape, hh, ww, s, dout.shape))  # refuses windows that do not fit
    i, j = dout.shape[2] - 1, dout.shape[3] - 1
    window = padded[-1, :, i * s : i * s + hh, j * s : j * s + ww]
    return dout[-1, :, i, j][:, None, None, None] * window[None]


def maxpool_nchw_backward_assigned(dout: Any, x: Any, ph: Any, pw: Any, stride: Any) -> np.ndarray:
    """dx when each window is assigned (dx[window] = mask * dout) instead of added: where windows
    overlap, the window written last (in row-major order) wins, zeros included."""
    x, _ = _pool(x, ph, pw, stride, dout)
    dout = _nchw(dout, "dout")
    ph, pw, s = int(ph), int(pw), int(stride)
    grad = np.zeros(x.shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s : i * s + ph, j * s : j * s + pw]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            grad[:, :, i * s : i * s + ph, j * s : j * s + pw] = mask * dout[:, :, i, j][:, :, None, None]
    return grad


def channels(v: Any) -> np.ndarray:
    """A per-channel vector (C,) as (1, C, 1, 1), to broadcast against (N, C, H, W)."""
    return np.reshape(np.asarray(v, dtype=np.float64), (1, -1, 1, 1))


def groups(x: Any, g: Any) -> np.ndarray:
    """(N, C, H, W) as (N, G, C/G·H·W): group normalization's G contiguous pieces of each example."""
    x, g = _nchw(x, "groups' array"), _hyper(g, "G", 1)
    if x.shape[1] % g:
        raise FormulaError(f"G = {g} does not divide the {x.shape[1]} channels")
    return x.reshape(x.shape[0], g, -1)


def nchw_rows(x: Any) -> np.ndarray:
    """(N, C, H, W) read as N·H·W rows of C without moving C last: x.reshape(-1, C), the
    spatial batchnorm mistake (each row then mixes positions of one channel, not channels)."""
    x = _nchw(x, "nchw_rows' array")
    return x.reshape(-1, x.shape[1])


def nhwc_rows(x: Any) -> np.ndarray:
    """(N, C, H, W) as N·H·W rows of C: x.transpose(0, 2, 3, 1).reshape(-1, C)."""
    x = _nchw(x, "nhwc_rows' array")
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "pad_nchw": pad_nchw,
    "conv_nchw": conv_nchw,
    "conv_nchw_backward_x": conv_nchw_backward_x,
    "conv_nchw_backward_w": conv_nchw_backward_w,
    "maxpool_nchw": maxpool_nchw,
    "maxpool_nchw_backward": maxpool_nchw_backward,
    "pool_nchw_spread": pool_nchw_spread,
    "conv_nchw_last_window_w": conv_nchw_last_window_w,
    "maxpool_nchw_backward_assigned": maxpool_nchw_backward_assigned,
    "channels": channels,
    "groups": groups,
    "nchw_rows": nchw_rows,
    "nhwc_rows": nhwc_rows,
}
