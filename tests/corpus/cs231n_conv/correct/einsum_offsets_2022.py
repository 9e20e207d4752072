from builtins import range
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def affine_forward(x, w, b):
    """Computes the forward pass for an affine (fully connected) layer."""
    out = x.reshape(len(x), -1) @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Computes the backward pass for an affine (fully connected) layer."""
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(len(x), -1).T @ dout
    db = dout.sum(0)
    return dx, dw, db


def relu_forward(x):
    out = np.maximum(x, 0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


def softmax_loss(x, y):
    N = len(y)
    shifted = x - x.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    loss = -log_probs[range(N), y].sum() / N
    dx = np.exp(log_probs)
    dx[range(N), y] -= 1
    dx /= N
    return loss, dx


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        mean = x.mean(0)
        var = x.var(0)
        std = np.sqrt(var + eps)
        x_norm = (x - mean) / std
        out = gamma * x_norm + beta
        cache = {"x_norm": x_norm, "gamma": gamma, "std": std}
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    x_norm, gamma, std = cache["x_norm"], cache["gamma"], cache["std"]
    N = len(dout)
    dbeta = dout.sum(0)
    dgamma = (dout * x_norm).sum(0)
    dx_norm = dout * gamma
    dx = (dx_norm - dx_norm.mean(0) - x_norm * (dx_norm * x_norm).mean(0)) / std
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x_norm, gamma, std = cache["x_norm"], cache["gamma"], cache["std"]
    N = len(dout)
    dbeta = dout.sum(0)
    dgamma = (dout * x_norm).sum(0)
    dx = gamma / (N * std) * (N * dout - dbeta - x_norm * dgamma)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mean = x.mean(1, keepdims=True)
    std = np.sqrt(x.var(1, keepdims=True) + eps)
    x_norm = (x - mean) / std
    out = gamma * x_norm + beta
    cache = {"x_norm": x_norm, "gamma": gamma, "std": std}
    return out, cache


def layernorm_backward(dout, cache):
    x_norm, gamma, std = cache["x_norm"], cache["gamma"], cache["std"]
    dbeta = dout.sum(0)
    dgamma = (dout * x_norm).sum(0)
    dx_norm = dout * gamma
    dx = (dx_norm - dx_norm.mean(1, keepdims=True) - x_norm * (dx_norm * x_norm).mean(1, keepdims=True)) / std
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """
    Inputs:
    - x: Input data, of any shape
    - dropout_param: A dictionary with the following keys:
      - p: Dropout parameter. We keep each neuron output with probability p.
      - mode: 'test' or 'train'.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    cache = (dropout_param, mask)
    return out.astype(x.dtype, copy=False), cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout


def conv_forward_naive(x, w, b, conv_param):
    """Convolution as one einsum per filter offset (di, dj)."""
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * p - HH) // s
    W_out = 1 + (W + 2 * p - WW) // s
    x_pad = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    out = np.zeros((N, F, H_out, W_out)) + b[None, :, None, None]
    for di in range(HH):
        for dj in range(WW):
            patch = x_pad[:, :, di:di + s * (H_out - 1) + 1:s, dj:dj + s * (W_out - 1) + 1:s]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, di, dj])
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for di in range(HH):
        for dj in range(WW):
            rows = slice(di, di + s * (H_out - 1) + 1, s)
            cols = slice(dj, dj + s * (W_out - 1) + 1, s)
            dw[:, :, di, dj] = np.einsum("nchw,nfhw->fc", x_pad[:, :, rows, cols], dout)
            dx_pad[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, di, dj])
    dx = dx_pad[:, :, p:p + H, p:p + W]
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    windows = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
    out = windows.max(axis=(4, 5))
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    windows = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
    N, C, H_out, W_out = dout.shape
    flat = windows.reshape(N, C, H_out, W_out, ph * pw)
    best = flat.argmax(axis=-1)
    di, dj = np.unravel_index(best, (ph, pw))
    n, c, i, j = np.indices(dout.shape)
    dx = np.zeros_like(x)
    np.add.at(dx, (n, c, i * s + di, j * s + dj), dout)
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    x_rows = np.moveaxis(x, 1, -1).reshape(-1, C)
    out_rows, cache = batchnorm_forward(x_rows, gamma, beta, bn_param)
    out = np.moveaxis(out_rows.reshape(N, H, W, C), -1, 1)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dout_rows = np.moveaxis(dout, 1, -1).reshape(-1, C)
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout_rows, cache)
    dx = np.moveaxis(dx_rows.reshape(N, H, W, C), -1, 1)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mean = xg.mean(axis=(2, 3, 4), keepdims=True)
    std = np.sqrt(xg.var(axis=(2, 3, 4), keepdims=True) + eps)
    x_norm = ((xg - mean) / std).reshape(N, C, H, W)
    out = gamma * x_norm + beta
    cache = {"x_norm": x_norm, "gamma": gamma, "std": std, "G": G}
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    x_norm, gamma, std, G = cache["x_norm"], cache["gamma"], cache["std"], cache["G"]
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * x_norm).sum(axis=(0, 2, 3), keepdims=True)
    dxn = (dout * gamma).reshape(N, G, C // G, H, W)
    xn = x_norm.reshape(N, G, C // G, H, W)
    axes = (2, 3, 4)
    dx = (dxn - dxn.mean(axis=axes, keepdims=True) - xn * (dxn * xn).mean(axis=axes, keepdims=True)) / std
    return dx.reshape(N, C, H, W), dgamma, dbeta
