"""rnn_layers.py of a year (or a student) without the LSTM: the RNN, the word embedding
and the temporal layers, next to the affine layer the file ships with."""

import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(np.matmul(x, Wx) + np.matmul(prev_h, Wh) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    local = dnext_h * (1 - next_h * next_h)
    dx = np.matmul(local, Wx.T)
    dprev_h = np.matmul(local, Wh.T)
    dWx = np.matmul(x.T, local)
    dWh = np.matmul(prev_h.T, local)
    db = np.sum(local, axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    x_tmajor = np.transpose(x, (1, 0, 2))  # (T, N, D)
    states, cache = [], []
    prev = h0
    for x_t in x_tmajor:
        prev, c = rnn_step_forward(x_t, prev, Wx, Wh, b)
        states.append(prev)
        cache.append(c)
    h = np.transpose(np.array(states), (1, 0, 2))
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = None
    dWx, dWh, db = 0, 0, 0
    dnext = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dx_t, dnext, dWx_t, dWh_t, db_t = rnn_step_backward(dnext + dh[:, t, :], cache[t])
        if dx is None:
            dx = np.zeros((N, T, dx_t.shape[1]))
        dx[:, t, :] = dx_t
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    return dx, dnext, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x]
    cache = (x, W)
    return out, cache


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    flat = x.reshape(-1)
    grads = dout.reshape(flat.size, -1)
    for k in range(flat.size):
        dW[flat[k], :] += grads[k, :]
    return dW


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    out = (x.reshape(N * T, D) @ w + b).reshape(N, T, -1)
    return out, (x, w, b)


def temporal_affine_backward(dout, cache):
    x, w, b = cache
    N, T, D = x.shape
    flat = dout.reshape(N * T, -1)
    dx = (flat @ w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T @ flat
    db = flat.sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    loss = 0.0
    dx = np.zeros_like(x)
    for n in range(N):
        for t in range(T):
            if not mask[n, t]:
                continue
            s = x[n, t] - np.max(x[n, t])
            p = np.exp(s) / np.sum(np.exp(s))
            loss -= np.log(p[y[n, t]])
            p[y[n, t]] -= 1
            dx[n, t] = p
    return loss / N, dx / N
