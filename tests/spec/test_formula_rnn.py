"""The RNN and LSTM formula functions against plain per-step loops and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.errors import FormulaError
from gradcheck.spec import formula as fm
from gradcheck.spec import formula_rnn as fr

N_X, N_A, M, T = 3, 4, 2, 4


def numeric(fun, x, h=1e-6):
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        up = fun()
        x[k] = old - h
        down = fun()
        x[k] = old
        grad[k] = (up - down) / (2 * h)
    return grad


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def lstm_params(rng):
    return [rng.normal(size=(N_A, 1)) * 0.3 if k % 2 else rng.normal(size=(N_A, N_A + N_X)) * 0.5 for k in range(8)]


def test_rnn_scan_is_the_cell_applied_step_by_step(rng):
    x, a0 = rng.normal(size=(N_X, M, T)), rng.normal(size=(N_A, M))
    Waa, Wax, ba = rng.normal(size=(N_A, N_A)), rng.normal(size=(N_A, N_X)), rng.normal(size=(N_A, 1))
    a, prev = fr.rnn_scan(x, a0, Waa, Wax, ba), a0
    for t in range(T):
        prev = np.tanh(Waa @ prev + Wax @ x[..., t] + ba)
        assert np.allclose(a[..., t], prev)
    assert np.allclose(fr.shift_in(a0, a)[..., 0], a0) and np.allclose(fr.shift_in(a0, a)[..., 1:], a[..., :-1])


def test_rnn_bptt_gives_the_gradients_of_sum_a_da(rng):
    x, a0, da = rng.normal(size=(N_X, M, T)), rng.normal(size=(N_A, M)), rng.normal(size=(N_A, M, T))
    Waa, Wax, ba = rng.normal(size=(N_A, N_A)) * 0.5, rng.normal(size=(N_A, N_X)) * 0.5, rng.normal(size=(N_A, 1))

    def J():
        return float(np.sum(fr.rnn_scan(x, a0, Waa, Wax, ba) * da))

    a = fr.rnn_scan(x, a0, Waa, Wax, ba)
    dz = fr.rnn_bptt(da, a, Waa)
    assert np.allclose(fr.steps_outer(dz, x), numeric(J, Wax), atol=1e-7)
    assert np.allclose(fr.steps_outer(dz, fr.shift_in(a0, a)), numeric(J, Waa), atol=1e-7)
    assert np.allclose(fr.steps_matmul(Wax.T, dz), numeric(J, x), atol=1e-7)
    assert np.allclose(Waa.T @ dz[..., 0], numeric(J, a0), atol=1e-7)


def test_rnn_bptt_without_carry_treats_each_step_alone(rng):
    a, da, Waa = np.tanh(rng.normal(size=(N_A, M, T))), rng.normal(size=(N_A, M, T)), rng.normal(size=(N_A, N_A))
    assert np.allclose(fr.rnn_bptt(da, a, Waa, 0), da * (1 - a**2))
    assert not np.allclose(fr.rnn_bptt(da, a, Waa, 1), da * (1 - a**2))


def test_lstm_scan_and_bptt_against_finite_differences(rng):
    x, a0, da = rng.normal(size=(N_X, M, T)), rng.normal(size=(N_A, M)), rng.normal(size=(N_A, M, T))
    Wf, bf, Wi, bi, Wc, bc, Wo, bo = lstm_params(rng)

    def J():
        return float(np.sum(fr.lstm_scan(x, a0, Wf, bf, Wi, bi, Wc, bc, Wo, bo)[0] * da))

    states = fr.lstm_scan(x, a0, Wf, bf, Wi, bi, Wc, bc, Wo, bo)
    gates = fr.lstm_bptt(da, states, Wf, Wi, Wc, Wo)
    concat = fr.concat(fr.shift_in(a0, states[0]), x)
    for k, (W, b) in enumerate(((Wf, bf), (Wi, bi), (Wc, bc), (Wo, bo))):
        assert np.allclose(fr.steps_outer(gates[k], concat), numeric(J, W), atol=1e-7), fr.LSTM_GATES[k]
        assert np.allclose(gates[k].sum(axis=(1, 2))[:, None], numeric(J, b), atol=1e-7)
    dconcat = fr.lstm_dconcat(da, states, Wf, Wi, Wc, Wo)
    assert np.allclose(fr.rows(dconcat, N_A, N_A + N_X), numeric(J, x), atol=1e-7)
    assert np.allclose(fr.rows(fr.step(dconcat, 0), 0, N_A), numeric(J, a0), atol=1e-7)


def test_lstm_carry_modes_differ_from_the_true_gradient(rng):
    x, a0, da = rng.normal(size=(N_X, M, T)), rng.normal(size=(N_A, M)), rng.normal(size=(N_A, M, T))
    Wf, bf, Wi, bi, Wc, bc, Wo, bo = lstm_params(rng)
    states = fr.lstm_scan(x, a0, Wf, bf, Wi, bi, Wc, bc, Wo, bo)
    true, none, only_c = (fr.lstm_bptt(da, states, Wf, Wi, Wc, Wo, k) for k in (1, 0, 2))
    # the last step has nothing to carry: every mode agrees there, and only there
    assert np.allclose(true[..., -1], none[..., -1]) and np.allclose(true[..., -1], only_c[..., -1])
    assert not np.allclose(true, none) and not np.allclose(true, only_c) and not np.allclose(none, only_c)
    with pytest.raises(FormulaError):
        fr.lstm_bptt(da, states, Wf, Wi, Wc, Wo, 3)


def test_indexing_helpers_refuse_what_is_out_of_range():
    seq = np.arange(24.0).reshape(2, 3, 4)
    assert fr.step(seq, 3).tolist() == seq[..., 3].tolist()
    assert fr.take(seq, 1).tolist() == seq[1].tolist()
    assert fr.rows(seq, 1, 2).shape == (1, 3, 4)
    for bad in (lambda: fr.step(seq, 4), lambda: fr.take(seq, 2), lambda: fr.rows(seq, 0, 3), lambda: fr.step(seq, 0.5)):
        with pytest.raises(FormulaError):
            bad()
    with pytest.raises(FormulaError):
        fr.rnn_scan(np.zeros((2, 3)), np.zeros((2, 3)), np.eye(2), np.eye(2), np.zeros((2, 1)))


def test_registered_in_the_formula_language():
    env = {"a": np.ones((2, 3)), "b": np.zeros((1, 3))}
    assert fm.evaluate(fm.parse("concat(a, b)"), env).shape == (3, 3)
    assert fm.evaluate(fm.parse("rows(concat(a, b), 2, 3)"), env).tolist() == [[0.0, 0.0, 0.0]]
