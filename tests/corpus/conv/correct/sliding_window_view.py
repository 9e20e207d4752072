"""numpy's sliding_window_view for the forward passes and the window reductions;
the backward passes scatter with np.add.at over the window offsets."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad,) * 2, (pad,) * 2, (0, 0)))


def conv_single_step(a_slice_prev, W, b):
    return float(np.vdot(a_slice_prev, W) + b.ravel()[0])


def _windows(A, f, stride):
    # (m, n_H, n_W, n_C, f, f): every f×f window, then every stride-th one
    return sliding_window_view(A, (f, f), axis=(1, 2))[:, ::stride, ::stride]


def conv_forward(A_prev, W, b, hparameters):
    f = W.shape[0]
    win = _windows(zero_pad(A_prev, hparameters["pad"]), f, hparameters["stride"])
    Z = np.einsum("mhwcij,ijck->mhwk", win, W) + b
    return Z, (A_prev, W, b, hparameters)


def pool_forward(A_prev, hparameters, mode="max"):
    win = _windows(A_prev, hparameters["f"], hparameters["stride"])
    A = win.max(axis=(4, 5)) if mode == "max" else win.mean(axis=(4, 5))
    return A, (A_prev, hparameters)


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A_pad = zero_pad(A_prev, pad)
    win = _windows(A_pad, f, stride)
    dW = np.einsum("mhwcij,mhwk->ijck", win, dZ)
    db = dZ.sum(axis=(0, 1, 2))[None, None, None, :]
    dA_pad = np.zeros(A_pad.shape)
    n_H, n_W = dZ.shape[1:3]
    rows = np.arange(n_H) * stride
    cols = np.arange(n_W) * stride
    for i in range(f):
        for j in range(f):
            contrib = dZ @ W[i, j].T
            np.add.at(dA_pad, (slice(None), (rows + i)[:, None], (cols + j)[None, :]), contrib)
    H, Wd = A_prev.shape[1:3]
    return dA_pad[:, pad:pad + H, pad:pad + Wd, :], dW, db


def create_mask_from_window(x):
    return np.equal(x, np.amax(x))


def distribute_value(dz, shape):
    return np.broadcast_to(dz / np.prod(shape), shape).copy()


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    stride, f = hparameters["stride"], hparameters["f"]
    n_H, n_W = dA.shape[1:3]
    rows = np.arange(n_H) * stride
    cols = np.arange(n_W) * stride
    dA_prev = np.zeros(A_prev.shape)
    win = _windows(A_prev, f, stride)
    top = win.max(axis=(4, 5))
    for i in range(f):
        for j in range(f):
            if mode == "max":
                part = (win[..., i, j] == top) * dA
            else:
                part = dA / (f * f)
            np.add.at(dA_prev, (slice(None), (rows + i)[:, None], (cols + j)[None, :]), part)
    return dA_prev
