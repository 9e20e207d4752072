"""A researcher's numpy layers, correct and with the usual mistakes, for check_grads.

Each forward function returns a number (a loss) or an array (a layer's output); each
gradient function is named after what it gets right or wrong. Written for these tests.
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- affine (VJP)


def affine(x, W, b):
    return x @ W + b


def affine_vjp(dout, x, W, b):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def affine_vjp_dW_transposed(dout, x, W, b):
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


def affine_vjp_db_wrong_axis(dout, x, W, b):
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)


def affine_vjp_dx_sign_flip(dout, x, W, b):
    return -(dout @ W.T), x.T @ dout, dout.sum(axis=0)


# --------------------------------------------------------------------------- softmax cross-entropy (grad)


def softmax_ce(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(y)), y].mean()


def softmax_ce_grad(scores, y):
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def softmax_ce_grad_missing_mean(scores, y):
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p


# --------------------------------------------------------------------------- layer norm (VJP)

EPS = 1e-5


def layernorm(x, gamma, beta):
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + EPS) + beta


def layernorm_vjp(dout, x, gamma, beta):
    d = x.shape[1]
    mu = x.mean(axis=1, keepdims=True)
    inv = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    xhat = (x - mu) * inv
    dxhat = dout * gamma
    dx = inv / d * (d * dxhat - dxhat.sum(axis=1, keepdims=True) - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def layernorm_vjp_missing_variance_term(dout, x, gamma, beta):
    d = x.shape[1]
    mu = x.mean(axis=1, keepdims=True)
    inv = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    xhat = (x - mu) * inv
    dxhat = dout * gamma
    dx = inv / d * (d * dxhat - dxhat.sum(axis=1, keepdims=True))  # the path through the variance is forgotten
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


# --------------------------------------------------------------------------- conv2d, naive loops (VJP)


def conv2d(x, w, b):
    """Stride 1, zero padding 1: x (N, C, H, W), w (F, C, k, k) -> (N, F, H + 3 - k, W + 3 - k)."""
    n, _, h, wd = x.shape
    f, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ho, wo = h + 3 - k, wd + 3 - k
    out = np.empty((n, f, ho, wo), dtype=np.result_type(x, w))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i : i + k, j : j + k]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b[None, :, None, None]


def conv2d_vjp(dout, x, w, b, unpadded_dw=False):
    _, _, h, wd = x.shape
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    source = np.pad(x, ((0, 0), (0, 0), (0, 2), (0, 2))) if unpadded_dw else xp
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            g = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(g, source[:, :, i : i + k, j : j + k], axes=([0], [0]))
            dxp[:, :, i : i + k, j : j + k] += np.tensordot(g, w, axes=([1], [0]))
    return dxp[:, :, 1 : 1 + h, 1 : 1 + wd], dw, dout.sum(axis=(0, 2, 3))


def conv2d_vjp_dw_unpadded(dout, x, w, b):
    """dw taken from the input without its padding: every window is shifted by one pixel."""
    return conv2d_vjp(dout, x, w, b, unpadded_dw=True)


def conv2d_vjp_db_wrong_axes(dout, x, w, b):
    dx, dw, _ = conv2d_vjp(dout, x, w, b)
    return dx, dw, dout.sum(axis=(1, 2, 3))


# --------------------------------------------------------------------------- a ReLU MLP with a mean loss (grad)


def mlp_loss(X, W1, b1, W2, b2):
    """Mean squared output of a two-layer ReLU network, examples in rows."""
    a1 = np.maximum(0.0, X @ W1 + b1)
    out = a1 @ W2 + b2
    return 0.5 * float(np.sum(out**2)) / X.shape[0]


def mlp_grad(X, W1, b1, W2, b2, relu_derivative=True):
    z1 = X @ W1 + b1
    a1 = np.maximum(0.0, z1)
    dout = (a1 @ W2 + b2) / X.shape[0]
    da1 = dout @ W2.T
    dz1 = da1 * (z1 > 0) if relu_derivative else da1
    return X.T @ dz1, dz1.sum(axis=0), a1.T @ dout, dout.sum(axis=0)


def mlp_grad_missing_relu_derivative(X, W1, b1, W2, b2):
    return mlp_grad(X, W1, b1, W2, b2, relu_derivative=False)


def mlp_inputs(rng: np.random.Generator, n: int = 6, d: int = 4, hidden: int = 5, out: int = 3, near_kink: bool = True) -> tuple:
    """Inputs with (when ``near_kink``) one pre-activation per hidden unit a hair from zero, where
    a step of the finite differences crosses the relu's kink (off-centre, as in real data)."""
    X = rng.standard_normal((n, d))
    W1 = rng.standard_normal((d, hidden))
    b1 = rng.standard_normal(hidden)
    if near_kink:
        b1 = -(X[0] @ W1) + 1e-7 * rng.uniform(0.2, 0.8, hidden) * rng.choice([-1.0, 1.0], hidden)
    return X, W1, b1, rng.standard_normal((hidden, out)), rng.standard_normal(out)
