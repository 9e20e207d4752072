"""Correct: @ operator, x flattened with reshape(len(x), -1), softmax without the max shift (fine for small scores)."""
import numpy as np


def affine_forward(x, w, b):
    return x.reshape(len(x), -1) @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(axis=0)


def relu_forward(x):
    return x * (x > 0), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)


def softmax_loss(x, y):
    N = x.shape[0]
    exp_scores = np.exp(x)
    probs = exp_scores / exp_scores.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y]))
    dx = probs
    dx[np.arange(N), y] -= 1
    return loss, dx / N


def svm_loss(x, y):
    N = x.shape[0]
    idx = np.arange(N)
    margins = np.maximum(0, x - x[idx, y].reshape(-1, 1) + 1)
    margins[idx, y] = 0
    loss = margins.sum() / N
    mask = (margins > 0).astype(x.dtype)
    mask[idx, y] = -mask.sum(axis=1)
    return loss, mask / N


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
