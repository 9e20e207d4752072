"""rnn_layers.py with the sequence loops written out (no calls to the step functions),
a one-hot product for the embedding gradient and the whole time axis handled at once
where it can be."""

import numpy as np


def _sig(v):
    # stable for large |v|
    return np.where(v >= 0, 1 / (1 + np.exp(-np.abs(v))), np.exp(-np.abs(v)) / (1 + np.exp(-np.abs(v))))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    g = (1 - np.square(next_h)) * dnext_h
    return g @ Wx.T, g @ Wh.T, x.T @ g, prev_h.T @ g, g.sum(0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    xw = x @ Wx + b  # the input part of every step at once
    state = h0
    for t in range(T):
        state = np.tanh(xw[:, t] + state @ Wh)
        h[:, t] = state
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    T = x.shape[1]
    prev = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    dz = np.zeros_like(h)
    running = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dz[:, t] = dh[:, t] * (1 - h[:, t] ** 2)
        running = dz[:, t] @ Wh.T
    dx = dz @ Wx.T
    dWx = np.tensordot(x, dz, axes=([0, 1], [0, 1]))
    dWh = np.tensordot(prev, dz, axes=([0, 1], [0, 1]))
    db = dz.sum(axis=(0, 1))
    return dx, running, dWx, dWh, db


def word_embedding_forward(x, W):
    return np.take(W, x, axis=0), (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    V, D = W.shape
    onehot = np.eye(V)[x.ravel()]
    return onehot.T @ dout.reshape(-1, D)


def temporal_affine_forward(x, w, b):
    return x @ w + b, (x, w, b)


def temporal_affine_backward(dout, cache):
    x, w, b = cache
    D, M = w.shape
    return dout @ w.T, x.reshape(-1, D).T @ dout.reshape(-1, M), dout.reshape(-1, M).sum(axis=0)


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    target = np.eye(V)[y]
    m = mask.astype(float)[..., None]
    loss = -(m * target * np.log(p)).sum() / N
    dx = (p - target) * m / N
    if verbose:
        print("loss", loss)
    return loss, dx


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    act = x @ Wx + prev_h @ Wh + b
    ifo = _sig(act[:, :3 * H])
    i, f, o = ifo[:, :H], ifo[:, H:2 * H], ifo[:, 2 * H:]
    g = np.tanh(act[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, ifo, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, ifo, g, next_c = cache
    H = g.shape[1]
    i, f, o = ifo[:, :H], ifo[:, H:2 * H], ifo[:, 2 * H:]
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    difo = np.hstack([dc * g, dc * prev_c, dnext_h * tc]) * ifo * (1 - ifo)
    dact = np.hstack([difo, dc * i * (1 - g ** 2)])
    return dact @ Wx.T, dact @ Wh.T, dc * f, x.T @ dact, prev_h.T @ dact, dact.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c = np.zeros((N, T, H))
    gates = np.zeros((N, T, 4 * H))
    h_prev, c_prev = h0, np.zeros_like(h0)
    for t in range(T):
        act = x[:, t] @ Wx + h_prev @ Wh + b
        gates[:, t, :3 * H] = _sig(act[:, :3 * H])
        gates[:, t, 3 * H:] = np.tanh(act[:, 3 * H:])
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        c[:, t] = f * c_prev + i * g
        h[:, t] = o * np.tanh(c[:, t])
        h_prev, c_prev = h[:, t], c[:, t]
    return h, (x, h0, Wx, Wh, h, c, gates)


def lstm_backward(dh, cache):
    x, h0, Wx, Wh, h, c, gates = cache
    N, T, H = h.shape
    dact_all = np.zeros_like(gates)
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        c_prev = c[:, t - 1] if t > 0 else np.zeros((N, H))
        tc = np.tanh(c[:, t])
        dh_t = dh[:, t] + dh_next
        dc = dc_next + dh_t * o * (1 - tc ** 2)
        dact_all[:, t] = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                    dh_t * tc * o * (1 - o), dc * i * (1 - g ** 2)])
        dh_next = dact_all[:, t] @ Wh.T
        dc_next = dc * f
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = dact_all @ Wx.T
    dWx = np.einsum("ntd,ntk->dk", x, dact_all)
    dWh = np.einsum("nth,ntk->hk", h_prev, dact_all)
    db = dact_all.sum(axis=(0, 1))
    return dx, dh_next, dWx, dWh, db
