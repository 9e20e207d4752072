"""Manual padding with np.zeros, b[0, 0, 0] indexing, un-padding guarded for pad == 0,
the max-pool gradient sent to np.argmax's position (no ties in continuous data)."""
import numpy as np


def zero_pad(X, pad):
    X_pad = np.zeros((X.shape[0], X.shape[1] + 2 * pad, X.shape[2] + 2 * pad, X.shape[3]))
    for i in range(X.shape[0]):
        X_pad[i, pad:pad + X.shape[1], pad:pad + X.shape[2], :] = X[i]
    return X_pad


def conv_single_step(a_slice_prev, W, b):
    total = 0.0
    for idx in np.ndindex(a_slice_prev.shape):
        total += a_slice_prev[idx] * W[idx]
    return np.float64(total + b[0, 0, 0])


def conv_forward(A_prev, W, b, hparameters):
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f = W.shape[0]
    n_C = W.shape[3]
    n_H = int((n_H_prev - f + 2 * pad) / stride) + 1
    n_W = int((n_W_prev - f + 2 * pad) / stride) + 1
    A_prev_pad = zero_pad(A_prev, pad)
    Z = np.zeros([m, n_H, n_W, n_C])
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    top, left = stride * h, stride * w
                    Z[i, h, w, c] = np.sum(A_prev_pad[i, top:top + f, left:left + f, :] * W[:, :, :, c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


def pool_forward(A_prev, hparameters, mode="max"):
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H = 1 + (n_H_prev - f) // stride
    n_W = 1 + (n_W_prev - f) // stride
    A = np.zeros([m, n_H, n_W, n_C])
    for i in range(m):
        for c in range(n_C):
            for h in range(n_H):
                for w in range(n_W):
                    top, left = stride * h, stride * w
                    window = A_prev[i, top:top + f, left:left + f, c]
                    A[i, h, w, c] = window.max() if mode == "max" else window.mean()
    return A, (A_prev, hparameters)


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    top, left = stride * h, stride * w
                    dA_prev_pad[i, top:top + f, left:left + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += A_prev_pad[i, top:top + f, left:left + f, :] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    if pad > 0:
        dA_prev = dA_prev_pad[:, pad:-pad, pad:-pad, :]
    else:
        dA_prev = dA_prev_pad
    return dA_prev, dW, db


def create_mask_from_window(x):
    return x == np.max(x)


def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * (dz / (n_H * n_W))


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    top, left = stride * h, stride * w
                    if mode == "max":
                        window = A_prev[i, top:top + f, left:left + f, c]
                        r, q = np.unravel_index(np.argmax(window), window.shape)
                        dA_prev[i, top + r, left + q, c] += dA[i, h, w, c]
                    else:
                        dA_prev[i, top:top + f, left:left + f, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
