"""Recurrent networks for reference formulas, in the course's layout: a sequence is an
(n, m, T_x) array whose last axis is time.

Registered into ``formula.FUNCTIONS``. A whole forward pass over time is one function
(``rnn_scan``, ``lstm_scan``), and so is backpropagation through time (``rnn_bptt``,
``lstm_bptt``), which returns the gradient of the checked quantity at each step's
pre-activations; the parameter gradients are then plain formulas over those
(``steps_outer``), so the spec reads like the course's equations. ``carry`` selects how
the gradient from step t+1 reaches step t: 1 is backpropagation through time, 0 drops it
(every step on its own: the forgotten ``da_prevt``) and, for the LSTM, 2 carries dc_prevt
but not da_prevt; spec mistakes use them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import FormulaError

LSTM_STATES = ("a", "c", "f", "i", "cc", "o")  # the stack lstm_scan returns, in this order
LSTM_GATES = ("f", "i", "cc", "o")  # the stack lstm_bptt returns: each gate's pre-activation gradient


def _array(x: Any, ndim: int, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != ndim:
        raise FormulaError(f"{what} must have {ndim} axes, got shape {x.shape}")
    return x


def _index(k: Any, size: int, what: str) -> int:
    number = float(np.asarray(k))
    if number != int(number) or not -size <= number < size:
        raise FormulaError(f"{what} must be a whole number below {size} (got {number:g})")
    return int(number)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function (formula.py's ``sigmoid`` and every module's gates)."""
    return 1.0 / (1.0 + np.exp(-z))


def concat(a: Any, b: Any) -> np.ndarray:
    """``a`` on top of ``b`` (the LSTM's [a_prev; xt]): joined along the first axis."""
    return np.concatenate([np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)], axis=0)


def rows(x: Any, start: Any, stop: Any) -> np.ndarray:
    """x[start:stop] along the first axis (the a_prev or xt part of a concat's gradient)."""
    x = np.asarray(x, dtype=np.float64)
    lo, hi = _index(start, len(x) + 1, "rows' start"), _index(stop, len(x) + 1, "rows' stop")
    return x[lo:hi]


def take(x: Any, k: Any) -> np.ndarray:
    """x[k]: one array of a stack (lstm_scan's states, lstm_bptt's gates)."""
    x = np.asarray(x, dtype=np.float64)
    return x[_index(k, len(x), "take's index")]


def step(x: Any, t: Any) -> np.ndarray:
    """x[..., t]: time step t of a sequence."""
    x = np.asarray(x, dtype=np.float64)
    return x[..., _index(t, x.shape[-1], "the time step")]


def shift_in(first: Any, seq: Any) -> np.ndarray:
    """The sequence of previous states: ``first`` at step 0, then seq[..., t - 1] at step t."""
    first, seq = _array(first, 2, "the initial state"), _array(seq, 3, "the sequence")
    return np.concatenate([first[..., None], seq[..., :-1]], axis=-1)


def steps_affine(W: Any, seq: Any, b: Any) -> np.ndarray:
    """W · seq[..., t] + b at every time step (W (p, n), seq (n, m, T_x), b (p, 1))."""
    W, seq = _array(W, 2, "W"), _array(seq, 3, "the sequence")
    return np.einsum("pn,nmt->pmt", W, seq) + np.reshape(b, (-1, 1, 1))


def steps_matmul(W: Any, seq: Any) -> np.ndarray:
    """W · seq[..., t] at every time step (dx from the pre-activation gradients)."""
    return np.einsum("pn,nmt->pmt", _array(W, 2, "W"), _array(seq, 3, "the sequence"))


def steps_outer(dz: Any, seq: Any) -> np.ndarray:
    """Σ_t dz[..., t] · seq[..., t]ᵀ: a weight's gradient summed over the time steps."""
    return np.einsum("pmt,nmt->pn", _array(dz, 3, "the gradient sequence"), _array(seq, 3, "the sequence"))


def rnn_scan(x: Any, a0: Any, Waa: Any, Wax: Any, ba: Any) -> np.ndarray:
    """The hidden states a (n_a, m, T_x): a_t = tanh(Waa · a_{t-1} + Wax · x_t + ba)."""
    x, a_prev = _array(x, 3, "x"), _array(a0, 2, "a0")
    Waa, Wax, ba = np.asarray(Waa, dtype=np.float64), np.asarray(Wax, dtype=np.float64), np.asarray(ba, dtype=np.float64)
    out = np.zeros((a_prev.shape[0], x.shape[1], x.shape[2]))
    for t in range(x.shape[2]):
        a_prev = out[..., t] = np.tanh(Waa @ a_prev + Wax @ x[..., t] + ba)
    return out


def rnn_bptt(da: Any, a: Any, Waa: Any, carry: Any = 1) -> np.ndarray:
    """dz (n_a, m, T_x), the gradient of sum(a · da) at each step's pre-activation: going back
    in time, dz_t = (da_t + Waaᵀ · dz_{t+1}) · (1 − a_t²). ``carry`` 0 drops the Waaᵀ · dz_{t+1}."""
    da, a, Waa = _array(da, 3, "da"), _array(a, 3, "a"), np.asarray(Waa, dtype=np.float64)
    keep = float(np.asarray(carry))
    dz, back = np.zeros(a.shape), np.zeros(a.shape[:2])
    for t in reversed(range(a.shape[2])):
        dz[..., t] = (da[..., t] + keep * back) * (1.0 - a[..., t] ** 2)
        back = Waa.T @ dz[..., t]
    return dz


def lstm_scan(x: Any, a0: Any, Wf: Any, bf: Any, Wi: Any, bi: Any, Wc: Any, bc: Any, Wo: Any, bo: Any) -> np.ndarray:
    """The states over time, stacked as LSTM_STATES (6, n_a, m, T_x); c starts at 0 (lstm_forward)."""
    x, a_prev = _array(x, 3, "x"), _array(a0, 2, "a0")
    W = [np.asarray(w, dtype=np.float64) for w in (Wf, Wi, Wc, Wo)]
    b = [np.asarray(v, dtype=np.float64) for v in (bf, bi, bc, bo)]
    out = np.zeros((len(LSTM_STATES), a_prev.shape[0], x.shape[1], x.shape[2]))
    c_prev = np.zeros(a_prev.shape)
    for t in range(x.shape[2]):
        both = np.concatenate([a_prev, x[..., t]], axis=0)
        f, i, o = (sigmoid(W[k] @ both + b[k]) for k in (0, 1, 3))
        cc = np.tanh(W[2] @ both + b[2])
        c_prev = f * c_prev + i * cc
        a_prev = o * np.tanh(c_prev)
        out[..., t] = np.stack([a_prev, c_prev, f, i, cc, o])
    return out


def lstm_bptt(da: Any, states: Any, Wf: Any, Wi: Any, Wc: Any, Wo: Any, carry: Any = 1) -> np.ndarray:
    """The gradient of sum(a · da) at each gate's pre-activation, stacked as LSTM_GATES
    (4, n_a, m, T_x), going back in time through a and c. ``carry`` 0: each step on its own
    (da_next = da_t, dc_next = 0); 2: dc_prevt carried, da_prevt not added to da_t."""
    da, s = _array(da, 3, "da"), _array(states, 4, "the LSTM states")
    a, c, f, i, cc, o = s
    mode = _index(carry, 3, "carry")
    n_a, keep_a, keep_c = a.shape[0], float(mode == 1), float(mode in (1, 2))
    W = np.concatenate([np.asarray(w, dtype=np.float64) for w in (Wf, Wi, Wc, Wo)], axis=0)
    out = np.zeros((len(LSTM_GATES), *a.shape))
    da_back, dc_back = np.zeros(a.shape[:2]), np.zeros(a.shape[:2])
    for t in reversed(range(a.shape[2])):
        c_prev = c[..., t - 1] if t else np.zeros(a.shape[:2])
        da_t = da[..., t] + keep_a * da_back
        tanh_c = np.tanh(c[..., t])
        dc = keep_c * dc_back + da_t * o[..., t] * (1.0 - tanh_c**2)
        gates = np.stack([
            dc * c_prev * f[..., t] * (1.0 - f[..., t]),
            dc * cc[..., t] * i[..., t] * (1.0 - i[..., t]),
            dc * i[..., t] * (1.0 - cc[..., t] ** 2),
            da_t * tanh_c * o[..., t] * (1.0 - o[..., t]),
        ])  # fmt: skip
        out[..., t] = gates
        da_back = (W.T @ gates.reshape(-1, gates.shape[-1]))[:n_a]
        dc_back = dc * f[..., t]
    return out


def lstm_dconcat(da: Any, states: Any, Wf: Any, Wi: Any, Wc: Any, Wo: Any, carry: Any = 1) -> np.ndarray:
    """The gradient of [a_prev; xt] at every step (n_a + n_x, m, T_x): Σ over the gates of
    W_gateᵀ · d(gate), from lstm_bptt with the same ``carry``."""
    gates = lstm_bptt(da, states, Wf, Wi, Wc, Wo, carry)
    return sum(steps_matmul(np.asarray(w, dtype=np.float64).T, g) for w, g in zip((Wf, Wi, Wc, Wo), gates))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": concat,
    "rows": rows,
    "take": take,
    "step": step,
    "shift_in": shift_in,
    "steps_affine": steps_affine,
    "steps_matmul": steps_matmul,
    "steps_outer": steps_outer,
    "rnn_scan": rnn_scan,
    "rnn_bptt": rnn_bptt,
    "lstm_scan": lstm_scan,
    "lstm_bptt": lstm_bptt,
    "lstm_dconcat": lstm_dconcat,
}
