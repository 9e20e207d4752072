"""Convolutional layers, kept in their own file beside layers.py (conv_layers.py)."""
import numpy as np


def _im2col(x_pad, HH, WW, stride, H_out, W_out):
    """Columns of shape (C * HH * WW, N * H_out * W_out), one per receptive field."""
    N, C = x_pad.shape[:2]
    cols = np.zeros((C, HH, WW, N, H_out, W_out))
    for di in range(HH):
        for dj in range(WW):
            patch = x_pad[:, :, di:di + stride * H_out:stride, dj:dj + stride * W_out:stride]
            cols[:, di, dj] = patch.transpose(1, 0, 2, 3)
    return cols.reshape(C * HH * WW, -1)


def _col2im(cols, x_shape_pad, HH, WW, stride, H_out, W_out):
    N, C = x_shape_pad[:2]
    cols = cols.reshape(C, HH, WW, N, H_out, W_out)
    x_pad = np.zeros(x_shape_pad)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di:di + stride * H_out:stride, dj:dj + stride * W_out:stride] += cols[:, di, dj].transpose(1, 0, 2, 3)
    return x_pad


def conv_forward_naive(x, w, b, conv_param):
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    x_pad[:, :, pad:pad + H, pad:pad + W] = x
    cols = _im2col(x_pad, HH, WW, stride, H_out, W_out)
    res = w.reshape(F, -1) @ cols + b[:, None]
    out = res.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    dx, dw, db = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out, W_out = dout.shape[2], dout.shape[3]
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    x_pad[:, :, pad:pad + H, pad:pad + W] = x
    cols = _im2col(x_pad, HH, WW, stride, H_out, W_out)
    dout_mat = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    db = dout_mat.sum(axis=1)
    dw = (dout_mat @ cols.T).reshape(w.shape)
    dcols = w.reshape(F, -1).T @ dout_mat
    dx_pad = _col2im(dcols, x_pad.shape, HH, WW, stride, H_out, W_out)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = x.shape
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out = 1 + (H - ph) // s
    W_out = 1 + (W - pw) // s
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3))
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    dx = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = dout.shape[2:]
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            biggest = window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += (window == biggest) * dout[:, :, i, j][:, :, None, None]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    out, cache = None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, C, H, W = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(C, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(C, dtype=x.dtype))
    g, bt = gamma.reshape(1, C, 1, 1), beta.reshape(1, C, 1, 1)
    if mode == "train":
        mu = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu.reshape(1, C, 1, 1)) * inv_std.reshape(1, C, 1, 1)
        out = g * x_hat + bt
        cache = (x_hat, gamma, inv_std)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        out = g * (x - running_mean.reshape(1, C, 1, 1)) / np.sqrt(running_var.reshape(1, C, 1, 1) + eps) + bt
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_hat, gamma, inv_std = cache
    N, C, H, W = dout.shape
    M = N * H * W
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3))
    dx_hat = dout * gamma.reshape(1, C, 1, 1)
    dx = inv_std.reshape(1, C, 1, 1) / M * (
        M * dx_hat
        - dx_hat.sum(axis=(0, 2, 3), keepdims=True)
        - x_hat * (dx_hat * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    )
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    out, cache = None, None
    eps = gn_param.get("eps", 1e-5)
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = x.shape
    xg = x.reshape(N, G, -1)
    mu = xg.mean(axis=2, keepdims=True)
    var = xg.var(axis=2, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = ((xg - mu) * inv_std).reshape(N, C, H, W)
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, inv_std, G)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_hat, gamma, inv_std, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    dx_hat = (dout * gamma).reshape(N, G, -1)
    xg_hat = x_hat.reshape(N, G, -1)
    M = xg_hat.shape[2]
    dxg = inv_std / M * (M * dx_hat - dx_hat.sum(axis=2, keepdims=True) - xg_hat * (dx_hat * xg_hat).sum(axis=2, keepdims=True))
    dx = dxg.reshape(N, C, H, W)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta
