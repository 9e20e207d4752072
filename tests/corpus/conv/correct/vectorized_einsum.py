"""Vectorized over examples and channels: one einsum per window offset, manual zero padding,
b.item() in conv_single_step, a float 0/1 mask, np.full in distribute_value."""
import numpy as np


def zero_pad(X, pad):
    m, h, w, c = X.shape
    out = np.zeros((m, h + 2 * pad, w + 2 * pad, c))
    out[:, pad:pad + h, pad:pad + w, :] = X
    return out


def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + b.item()


def _out(n, f, stride, pad=0):
    return (n + 2 * pad - f) // stride + 1


def conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    P = zero_pad(A_prev, p)
    n_H, n_W = _out(A_prev.shape[1], f, s, p), _out(A_prev.shape[2], f, s, p)
    Z = np.zeros((A_prev.shape[0], n_H, n_W, W.shape[3]))
    for di in range(f):
        for dj in range(f):
            patch = P[:, di:di + s * (n_H - 1) + 1:s, dj:dj + s * (n_W - 1) + 1:s, :]
            Z += np.einsum("mhwc,ck->mhwk", patch, W[di, dj])
    Z += b
    return Z, (A_prev, W, b, hparameters)


def pool_forward(A_prev, hparameters, mode="max"):
    s, f = hparameters["stride"], hparameters["f"]
    n_H, n_W = _out(A_prev.shape[1], f, s), _out(A_prev.shape[2], f, s)
    patches = np.stack([A_prev[:, di:di + s * (n_H - 1) + 1:s, dj:dj + s * (n_W - 1) + 1:s, :]
                        for di in range(f) for dj in range(f)])
    A = patches.max(axis=0) if mode == "max" else patches.mean(axis=0)
    return A, (A_prev, hparameters)


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    n_H, n_W = dZ.shape[1], dZ.shape[2]
    P = zero_pad(A_prev, p)
    dP = np.zeros_like(P)
    dW = np.zeros_like(W)
    for di in range(f):
        for dj in range(f):
            rows = slice(di, di + s * (n_H - 1) + 1, s)
            cols = slice(dj, dj + s * (n_W - 1) + 1, s)
            dW[di, dj] = np.einsum("mhwc,mhwk->ck", P[:, rows, cols, :], dZ)
            dP[:, rows, cols, :] += np.einsum("mhwk,ck->mhwc", dZ, W[di, dj])
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, -1)
    dA_prev = dP[:, p:p + A_prev.shape[1], p:p + A_prev.shape[2], :]
    return dA_prev, dW, db


def create_mask_from_window(x):
    return (x == x.max()).astype(float)


def distribute_value(dz, shape):
    return np.full(shape, dz / (shape[0] * shape[1]))


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    s, f = hparameters["stride"], hparameters["f"]
    n_H, n_W = dA.shape[1], dA.shape[2]
    windows = [(slice(di, di + s * (n_H - 1) + 1, s), slice(dj, dj + s * (n_W - 1) + 1, s))
               for di in range(f) for dj in range(f)]
    dA_prev = np.zeros_like(A_prev)
    if mode == "max":
        top = np.max([A_prev[:, r, c, :] for r, c in windows], axis=0)
        for r, c in windows:
            dA_prev[:, r, c, :] += (A_prev[:, r, c, :] == top) * dA
    else:
        for r, c in windows:
            dA_prev[:, r, c, :] += dA / (f * f)
    return dA_prev
