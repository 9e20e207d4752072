"""Correct: relu caches its output and masks with out > 0, the same mask as x > 0."""
import numpy as np


def affine_forward(x, w, b):
    N = x.shape[0]
    out = x.reshape(N, -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T @ dout
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = np.maximum(x, 0)
    return out, out


def relu_backward(dout, cache):
    out = np.maximum(cache, 0)
    return dout * (out > 0)


def softmax_loss(x, y):
    N = x.shape[0]
    x = x - x.max(axis=1, keepdims=True)
    probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    loss = -np.log(probs[range(N), y]).sum() / N
    onehot = np.zeros_like(probs)
    onehot[range(N), y] = 1
    dx = (probs - onehot) / N
    return loss, dx


def svm_loss(x, y):
    N = x.shape[0]
    correct = x[range(N), y][:, None]
    margins = np.maximum(0, x - correct + 1)
    margins[range(N), y] = 0
    loss = margins.sum() / N
    binary = (margins > 0).astype(float)
    binary[range(N), y] = -binary.sum(axis=1)
    dx = binary / N
    return loss, dx


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(x.shape[1], dtype=x.dtype))
    if mode == "test":
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return out, None
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    out = gamma * xhat + beta
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    return out, (xhat, gamma, std)


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = gamma / std / N * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout
