"""Loops over output positions only (all examples and channels at once with tensordot),
np.squeeze(b), slices assigned with = where the windows cannot overlap."""
import numpy as np


def zero_pad(X, pad):
    return np.pad(X, [(0, 0), (pad, pad), (pad, pad), (0, 0)], "constant")


def conv_single_step(a_slice_prev, W, b):
    Z = np.sum(np.multiply(a_slice_prev, W))
    Z = Z + np.squeeze(b)
    return Z


def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    A_pad = zero_pad(A_prev, pad)
    Z = np.empty((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            win = A_pad[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            Z[:, h, w, :] = np.tensordot(win, W, axes=([1, 2, 3], [0, 1, 2])) + b[0, 0, 0, :]
    return Z, (A_prev, W, b, hparameters)


def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.empty((m, n_H, n_W, n_C))
    reduce = np.max if mode == "max" else np.mean
    for h in range(n_H):
        for w in range(n_W):
            A[:, h, w, :] = reduce(A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :], axis=(1, 2))
    return A, (A_prev, hparameters)


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    _, n_H, n_W, _ = dZ.shape
    A_pad = zero_pad(A_prev, pad)
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for h in range(n_H):
        for w in range(n_W):
            rows = slice(h * stride, h * stride + f)
            cols = slice(w * stride, w * stride + f)
            g = dZ[:, h, w, :]
            dA_pad[:, rows, cols, :] += np.tensordot(g, W, axes=([1], [3]))
            dW += np.tensordot(A_pad[:, rows, cols, :], g, axes=([0], [0]))
    db = np.sum(dZ, axis=(0, 1, 2), keepdims=True)
    n_H_prev, n_W_prev = A_prev.shape[1], A_prev.shape[2]
    return dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW, db


def create_mask_from_window(x):
    return x == np.max(x)


def distribute_value(dz, shape):
    n_H, n_W = shape
    return dz / (n_H * n_W) * np.ones((n_H, n_W))


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    _, n_H, n_W, _ = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for h in range(n_H):
        for w in range(n_W):
            rows = slice(h * stride, h * stride + f)
            cols = slice(w * stride, w * stride + f)
            g = dA[:, h, w, :][:, None, None, :]
            if mode == "max":
                win = A_prev[:, rows, cols, :]
                mask = win == win.max(axis=(1, 2), keepdims=True)
                dA_prev[:, rows, cols, :] += mask * g
            else:
                dA_prev[:, rows, cols, :] += g / (f * f)
    return dA_prev
