"""rnn_layers.py: a student's version with dict caches, lists stacked at the end,
np.split for the LSTM gates and plain loops for the word embedding."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    z = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    next_h = np.tanh(z)
    cache = {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "z": z}
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    dz = dnext_h * (1.0 - np.tanh(cache["z"]) ** 2)
    dx = np.dot(dz, cache["Wx"].T)
    dprev_h = np.dot(dz, cache["Wh"].T)
    dWx = np.dot(cache["x"].T, dz)
    dWh = np.dot(cache["prev_h"].T, dz)
    db = dz.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    hs, caches = [], []
    h_t = h0
    for t in range(x.shape[1]):
        h_t, c = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
        hs.append(h_t)
        caches.append(c)
    h = np.stack(hs, axis=1)
    return h, {"steps": caches}


def rnn_backward(dh, cache):
    steps = cache["steps"]
    dxs = []
    dWx = np.zeros_like(steps[0]["Wx"])
    dWh = np.zeros_like(steps[0]["Wh"])
    db = np.zeros(dWx.shape[1])
    carried = np.zeros_like(dh[:, 0])
    for t in range(dh.shape[1] - 1, -1, -1):
        dx_t, carried, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + carried, steps[t])
        dxs.insert(0, dx_t)
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    dx = np.stack(dxs, axis=1)
    dh0 = carried
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x, :]
    return out, {"x": x, "V": W.shape[0]}


def word_embedding_backward(dout, cache):
    x = cache["x"]
    dW = np.zeros((cache["V"], dout.shape[2]))
    N, T = x.shape
    for n in range(N):
        for t in range(T):
            dW[x[n, t]] = dout[n, t]
    return dW


def temporal_affine_forward(x, w, b):
    out = np.einsum("ntd,dm->ntm", x, w) + b
    return out, (x, w)


def temporal_affine_backward(dout, cache):
    x, w = cache
    dx = np.einsum("ntm,dm->ntd", dout, w)
    dw = np.einsum("ntd,ntm->dm", x, dout)
    db = dout.sum(axis=0).sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    shifted = x - x.max(axis=2, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    n_idx, t_idx = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
    picked = log_probs[n_idx, t_idx, y]
    loss = -np.sum(picked[mask]) / N
    dx = np.exp(log_probs)
    dx[n_idx, t_idx, y] -= 1.0
    dx = dx * mask[:, :, np.newaxis] / N
    return loss, dx


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    a_i, a_f, a_o, a_g = np.split(a, 4, axis=1)
    i, f, o, g = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o), np.tanh(a_g)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = {"x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx, "Wh": Wh,
             "i": i, "f": f, "o": o, "g": g, "next_c": next_c}
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache["i"], cache["f"], cache["o"], cache["g"]
    tc = np.tanh(cache["next_c"])
    dc_total = dnext_c + dnext_h * o * (1 - tc * tc)
    d_ai = dc_total * g * i * (1 - i)
    d_af = dc_total * cache["prev_c"] * f * (1 - f)
    d_ao = dnext_h * tc * o * (1 - o)
    d_ag = dc_total * i * (1 - g * g)
    da = np.concatenate([d_ai, d_af, d_ao, d_ag], axis=1)
    dx = da @ cache["Wx"].T
    dprev_h = da @ cache["Wh"].T
    dprev_c = f * dc_total
    dWx = cache["x"].T @ da
    dWh = cache["prev_h"].T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    hs, caches = [], []
    h_t, c_t = h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h_t, c_t, c = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        hs.append(h_t)
        caches.append(c)
    return np.stack(hs, axis=1), caches


def lstm_backward(dh, cache):
    dxs = []
    dWx = np.zeros_like(cache[0]["Wx"])
    dWh = np.zeros_like(cache[0]["Wh"])
    db = np.zeros(dWx.shape[1])
    dh_carry = np.zeros_like(dh[:, 0])
    dc_carry = np.zeros_like(dh[:, 0])
    for t in reversed(range(dh.shape[1])):
        grads = lstm_step_backward(dh[:, t] + dh_carry, dc_carry, cache[t])
        dx_t, dh_carry, dc_carry, dWx_t, dWh_t, db_t = grads
        dxs.append(dx_t)
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dx = np.stack(dxs[::-1], axis=1)
    return dx, dh_carry, dWx, dWh, db
