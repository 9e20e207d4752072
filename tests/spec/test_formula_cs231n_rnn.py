"""The recurrent-layer formula functions against naive loops and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.errors import FormulaError
from gradcheck.spec import formula as fm
from gradcheck.spec import formula_cs231n_rnn as fr

PARTS = ("dx", "dh0", "dWx", "dWh", "db")


def numeric(fun, x, h=1e-6):
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        plus = fun()
        x[k] = old - h
        minus = fun()
        x[k] = old
        grad[k] = (plus - minus) / (2 * h)
    return grad


def sizes(gates: int, N=2, T=3, D=4, H=3, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal(s) * c
        for s, c in (((N, T, D), 1), ((N, H), 0.5), ((D, gates * H), 0.4), ((H, gates * H), 0.4), ((gates * H,), 0.3))
    ]


def naive_rnn(x, h0, Wx, Wh, b):
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return np.stack(hs, axis=1)


def test_rnn_seq_is_the_step_loop():
    args = sizes(1)
    assert np.allclose(fr.rnn_seq(*args), naive_rnn(*args))


def test_lstm_seq_first_step_by_hand():
    x, h0, Wx, Wh, b = sizes(4)
    H = h0.shape[1]
    a = x[:, 0] @ Wx + h0 @ Wh + b
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    i, f, o, g = sig(a[:, :H]), sig(a[:, H : 2 * H]), sig(a[:, 2 * H : 3 * H]), np.tanh(a[:, 3 * H :])
    c = i * g + f * 0
    assert np.allclose(fr.lstm_seq(x, h0, Wx, Wh, b)[:, 0], o * np.tanh(c))


@pytest.mark.parametrize("kind, gates", [("rnn", 1), ("lstm", 4)])
def test_sequence_gradients_match_finite_differences(kind, gates):
    args = sizes(gates, seed=3)
    seq = getattr(fr, f"{kind}_seq")
    dh = np.random.default_rng(9).standard_normal(seq(*args).shape)
    for k, part in enumerate(PARTS):
        target = args[0] if part == "dx" else args[k]
        want = numeric(lambda: float(np.sum(seq(*args) * dh)), target)
        got = fm.FUNCTIONS[f"{kind}_seq_{part}"](dh, *args)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-7), part


@pytest.mark.parametrize("kind, gates", [("rnn", 1), ("lstm", 4)])
def test_mistake_flags(kind, gates):
    args = sizes(gates, seed=5)
    dh = np.random.default_rng(2).standard_normal(getattr(fr, f"{kind}_seq")(*args).shape)
    part = lambda p, *flags: fm.FUNCTIONS[f"{kind}_seq_{p}"](dh, *args, *flags)  # noqa: E731
    # the last step's dx needs neither flag; an earlier step's needs both
    for flags in ((0, 1, 1), (1, 0, 1)):
        assert np.allclose(part("dx", *flags)[:, -1], part("dx")[:, -1])
        assert not np.allclose(part("dx", *flags)[:, 0], part("dx")[:, 0])
    # without the carry, each step sees only its own dh: step 0's dx is a one-step network's
    one_step = [args[0][:, :1], *args[1:]]
    assert np.allclose(part("dx", 0, 1, 1)[:, :1], fm.FUNCTIONS[f"{kind}_seq_dx"](dh[:, :1], *one_step))
    # assigned instead of accumulated: differs for T >= 2, and is the whole gradient for T = 1
    assert not np.allclose(part("dWx"), part("dWx", 1, 1, 0))
    assert np.allclose(
        fm.FUNCTIONS[f"{kind}_seq_dWx"](dh[:, :1], *one_step, 1, 1, 0), fm.FUNCTIONS[f"{kind}_seq_dWx"](dh[:, :1], *one_step)
    )


def test_rnn_not_accumulated_keeps_step_zero():
    x, h0, Wx, Wh, b = args = sizes(1, seed=7)
    dh = np.random.default_rng(4).standard_normal((2, 3, 3))
    hs = naive_rnn(*args)
    dnext, dz = np.zeros_like(h0), None
    for t in reversed(range(3)):
        dz = (dh[:, t] + dnext) * (1 - hs[:, t] ** 2)
        dnext = dz @ Wh.T
    assert np.allclose(fr.FUNCTIONS["rnn_seq_dWx"](dh, *args, 1, 1, 0), x[:, 0].T @ dz)
    assert np.allclose(fr.FUNCTIONS["rnn_seq_db"](dh, *args, 1, 1, 0), dz.sum(axis=0))


def test_embedding_adds_repeated_words():
    W = np.arange(12.0).reshape(4, 3)
    x = np.array([[0, 2, 2], [3, 2, 0]])
    dout = np.random.default_rng(1).standard_normal((2, 3, 3))
    assert np.array_equal(fr.embed(x, W), W[x])
    want = np.zeros_like(W)
    for n in range(2):
        for t in range(3):
            want[x[n, t]] += dout[n, t]
    assert np.allclose(fr.embed_backward(dout, x, W), want)
    buffered = fr.embed_backward(dout, x, W, 0)
    assert np.allclose(buffered[3], want[3]) and not np.allclose(buffered[2], want[2])


def test_chunk_hstack_merge_rows_and_expand():
    a = np.arange(24.0).reshape(2, 12)
    parts = [fr.chunk(a, k, 4) for k in range(4)]
    assert parts[1].shape == (2, 3) and np.array_equal(fr.hstack(*parts), a)
    assert fr.merge_rows(np.zeros((2, 3, 5))).shape == (6, 5)
    tree = fm.parse("expand_dims(float(m), axis=2)")
    assert fm.evaluate(tree, {"m": np.ones((2, 3), dtype=bool)}).shape == (2, 3, 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: fr.chunk(np.zeros((2, 10)), 0, 4),
        lambda: fr.chunk(np.zeros((2, 8)), 4, 4),
        lambda: fr.embed(np.array([[0, 5]]), np.zeros((4, 2))),
        lambda: fr.embed(np.array([[0.0, 1.0]]), np.zeros((4, 2))),
        lambda: fr.rnn_seq(np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)),
        lambda: fr.lstm_seq(np.zeros((2, 3, 4)), np.zeros((2, 2)), np.zeros((4, 2)), np.zeros((2, 8)), np.zeros(8)),
        lambda: fr.hstack(),
    ],
)
def test_bad_arguments_are_formula_errors(call):
    with pytest.raises(FormulaError):
        call()
