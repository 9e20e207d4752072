"""Recurrent layers for reference formulas (CS231n assignment 3's rnn_layers.py).

Registered into ``formula.FUNCTIONS``. Sequences are (N, T, D) arrays, hidden states (N, H),
LSTM pre-activations (N, 4H) in the gate order i, f, o, g. A single step is written in the
formula language itself (so the diagnosis can mutate its tanh′ or a gate's σ′); what needs a
loop over time or an index is here: whole-sequence passes and their vector-Jacobian products
(given the upstream dh, the gradients of sum(h * dh)), and the word-embedding lookup.

The sequence gradients take flags that reproduce the classic mistakes of a backward loop, so a
spec can name them: ``carry=0`` drops the gradient carried back from step t+1, ``upstream=0``
adds the upstream dh[:, t] only at the last step, ``accumulate=0`` keeps the weights' gradient
of one step (t = 0, the last the backward loop visits) instead of their sum over t.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from ..errors import FormulaError
from .formula_rnn import sigmoid


def _seq(x: Any, h0: Any, Wx: Any, Wh: Any, b: Any, gates: int) -> tuple[np.ndarray, ...]:
    x, h0 = np.asarray(x, dtype=np.float64), np.asarray(h0, dtype=np.float64)
    Wx, Wh, b = (np.asarray(a, dtype=np.float64) for a in (Wx, Wh, b))
    if x.ndim != 3 or h0.ndim != 2 or Wx.ndim != 2 or Wh.ndim != 2:
        raise FormulaError(f"a sequence needs x (N, T, D) and h0 (N, H), got shapes {x.shape} and {h0.shape}")
    H = h0.shape[1]
    if Wx.shape != (x.shape[2], gates * H) or Wh.shape != (H, gates * H) or b.shape[-1:] != (gates * H,):
        raise FormulaError(f"weights of shapes {Wx.shape}, {Wh.shape}, {b.shape} do not fit x {x.shape} and h0 {h0.shape}")
    return x, h0, Wx, Wh, b


def chunk(a: Any, k: Any, n: Any) -> np.ndarray:
    """Part k (from 0) of n equal parts of ``a`` along its last axis (an LSTM gate of a (N, 4H) array)."""
    a, k, n = np.asarray(a, dtype=np.float64), int(k), int(n)
    if n < 1 or not 0 <= k < n or a.ndim == 0 or a.shape[-1] % n:
        raise FormulaError(f"chunk: cannot take part {k} of {n} of an array of shape {a.shape}")
    width = a.shape[-1] // n
    return a[..., k * width : (k + 1) * width]


def hstack(*parts: Any) -> np.ndarray:
    """The arrays joined along their last axis (the four gates back into one (N, 4H) array)."""
    if not parts:
        raise FormulaError("hstack needs at least one array")
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts], axis=-1)


def merge_rows(x: Any) -> np.ndarray:
    """Every leading axis merged into one: (N, T, D) → (N·T, D), as x.reshape(N * T, D) does."""
    x = np.asarray(x)
    if x.ndim == 0:
        raise FormulaError("merge_rows needs an array with at least one axis")
    return x.reshape(-1, x.shape[-1])


def _indices(x: Any, n: int) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind not in "iu" or (x.size and (x.min() < 0 or x.max() >= n)):
        raise FormulaError(f"word indices must be whole numbers from 0 to {n - 1}")
    return x


def embed(x: Any, W: Any) -> np.ndarray:
    """out[n, t] = W[x[n, t]]: each word index replaced by its row of W."""
    W = np.asarray(W, dtype=np.float64)
    return W[_indices(x, W.shape[0])]


def embed_backward(dout: Any, x: Any, W: Any, add: Any = 1) -> np.ndarray:
    """dW: every dout[n, t] added into row x[n, t] (np.add.at); ``add=0`` is dW[x] += dout, where a
    word that occurs twice keeps one occurrence's gradient (numpy applies buffered writes)."""
    W, dout = np.asarray(W, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    x = _indices(x, W.shape[0])
    grad = np.zeros_like(W)
    if int(add):
        np.add.at(grad, x, dout)
    else:
        grad[x] += dout
    return grad


def rnn_seq(x: Any, h0: Any, Wx: Any, Wh: Any, b: Any) -> np.ndarray:
    """h (N, T, H): h_t = tanh(x_t·Wx + h_{t−1}·Wh + b) from h0."""
    x, h, Wx, Wh, b = _seq(x, h0, Wx, Wh, b, 1)
    out = np.empty((x.shape[0], x.shape[1], h.shape[1]))
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        out[:, t] = h
    return out


def _lstm_step(x: np.ndarray, h: np.ndarray, c: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray):
    a = x @ Wx + h @ Wh + b
    i, f, o, g = np.split(a, 4, axis=-1)
    i, f, o, g = sigmoid(i), sigmoid(f), sigmoid(o), np.tanh(g)
    c_next = f * c + i * g
    return o * np.tanh(c_next), c_next, (i, f, o, g)


def lstm_seq(x: Any, h0: Any, Wx: Any, Wh: Any, b: Any) -> np.ndarray:
    """h (N, T, H) of an LSTM from h0 and a zero initial cell state."""
    x, h, Wx, Wh, b = _seq(x, h0, Wx, Wh, b, 4)
    c = np.zeros_like(h)
    out = np.empty((x.shape[0], x.shape[1], h.shape[1]))
    for t in range(x.shape[1]):
        h, c, _ = _lstm_step(x[:, t], h, c, Wx, Wh, b)
        out[:, t] = h
    return out


def _flags(carry: Any, upstream: Any, accumulate: Any) -> tuple[bool, bool, bool]:
    return bool(int(carry)), bool(int(upstream)), bool(int(accumulate))


def _rnn_grads(dh: Any, x: Any, h0: Any, Wx: Any, Wh: Any, b: Any, carry: Any = 1, upstream: Any = 1, accumulate: Any = 1):
    """(dx, dh0, dWx, dWh, db) of sum(rnn_seq(...) * dh), backpropagated through time."""
    x, h0, Wx, Wh, b = _seq(x, h0, Wx, Wh, b, 1)
    carry, upstream, accumulate = _flags(carry, upstream, accumulate)
    hs = rnn_seq(x, h0, Wx, Wh, b)
    dh = np.asarray(dh, dtype=np.float64)
    T = x.shape[1]
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dnext = np.zeros_like(h0)
    for t in reversed(range(T)):
        prev = hs[:, t - 1] if t else h0
        grad = (dnext if carry else 0) + (dh[:, t] if upstream or t == T - 1 else 0)
        dz = grad * (1 - hs[:, t] ** 2)
        dx[:, t] = dz @ Wx.T
        keep = 1.0 if accumulate else 0.0  # assigned, not accumulated: the last step visited (t = 0) wins
        dWx, dWh, db = keep * dWx + x[:, t].T @ dz, keep * dWh + prev.T @ dz, keep * db + dz.sum(axis=0)
        dnext = dz @ Wh.T
    return dx, dnext, dWx, dWh, db


def _lstm_grads(dh: Any, x: Any, h0: Any, Wx: Any, Wh: Any, b: Any, carry: Any = 1, upstream: Any = 1, accumulate: Any = 1):
    """(dx, dh0, dWx, dWh, db) of sum(lstm_seq(...) * dh); ``carry=0`` drops both carried gradients."""
    x, h0, Wx, Wh, b = _seq(x, h0, Wx, Wh, b, 4)
    carry, upstream, accumulate = _flags(carry, upstream, accumulate)
    steps, h, c = [], h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h_next, c_next, gates = _lstm_step(x[:, t], h, c, Wx, Wh, b)
        steps.append((h, c, c_next, gates))
        h, c = h_next, c_next
    dh = np.asarray(dh, dtype=np.float64)
    T = x.shape[1]
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dnext_h, dnext_c = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        prev_h, prev_c, c_next, (i, f, o, g) = steps[t]
        gh = (dnext_h if carry else 0) + (dh[:, t] if upstream or t == T - 1 else 0)
        tc = np.tanh(c_next)
        dc = (dnext_c if carry else 0) + gh * o * (1 - tc**2)
        da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), gh * tc * o * (1 - o), dc * i * (1 - g**2)], axis=-1)
        dx[:, t] = da @ Wx.T
        keep = 1.0 if accumulate else 0.0
        dWx, dWh, db = keep * dWx + x[:, t].T @ da, keep * dWh + prev_h.T @ da, keep * db + da.sum(axis=0)
        dnext_h, dnext_c = da @ Wh.T, dc * f
    return dx, dnext_h, dWx, dWh, db


def _part(grads: Callable[..., tuple[np.ndarray, ...]], k: int, *args: Any) -> np.ndarray:
    return grads(*args)[k]


_PARTS = ("dx", "dh0", "dWx", "dWh", "db")

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "chunk": chunk,
    "hstack": hstack,
    "merge_rows": merge_rows,
    "expand_dims": np.expand_dims,
    "embed": embed,
    "embed_backward": embed_backward,
    "rnn_seq": rnn_seq,
    "lstm_seq": lstm_seq,
    # rnn_seq_dx(dh, x, h0, Wx, Wh, b[, carry, upstream, accumulate]) and the other four parts
    **{f"rnn_seq_{p}": partial(_part, _rnn_grads, k) for k, p in enumerate(_PARTS)},
    **{f"lstm_seq_{p}": partial(_part, _lstm_grads, k) for k, p in enumerate(_PARTS)},
}
