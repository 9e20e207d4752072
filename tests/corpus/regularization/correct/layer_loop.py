"""Correct, with loops over the three layers instead of unrolled lines; np.where for relu′."""
import numpy as np


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cross_entropy_cost = 1. / m * np.nansum(logprobs)
    l2 = 0.0
    for l in range(1, 4):
        W = parameters["W" + str(l)]
        l2 += np.sum(W * W)
    return cross_entropy_cost + lambd * l2 / (2 * m)


def backward_propagation_with_regularization(X, Y, cache, lambd):
    m = X.shape[1]
    Z = {1: cache[0], 2: cache[4], 3: cache[8]}
    A = {0: X, 1: cache[1], 2: cache[5], 3: cache[9]}
    W = {1: cache[2], 2: cache[6], 3: cache[10]}
    grads = {}
    dZ = A[3] - Y
    for l in (3, 2, 1):
        if l < 3:
            dZ = np.where(Z[l] > 0, grads["dA" + str(l)], 0.0)
        grads["dZ" + str(l)] = dZ
        grads["dW" + str(l)] = np.dot(dZ, A[l - 1].T) / m + lambd / m * W[l]
        grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            grads["dA" + str(l - 1)] = np.dot(W[l].T, dZ)
    return grads


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    np.random.seed(1)
    cache = []
    A = X
    for l in (1, 2, 3):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = np.dot(W, A) + b
        if l == 3:
            A = 1 / (1 + np.exp(-Z))
            cache += [Z, A, W, b]
        else:
            D = (np.random.rand(*Z.shape) < keep_prob).astype(int)
            A = np.maximum(0, Z) * D / keep_prob
            cache += [Z, D, A, W, b]
    return A, tuple(cache)


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    m = X.shape[1]
    Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    Z, D, A, W = {1: Z1, 2: Z2}, {1: D1, 2: D2}, {0: X, 1: A1, 2: A2}, {1: W1, 2: W2, 3: W3}
    grads = {}
    dZ = A3 - Y
    for l in (3, 2, 1):
        if l < 3:
            dZ = np.where(Z[l] > 0, grads["dA" + str(l)], 0.0)
        grads["dZ" + str(l)] = dZ
        grads["dW" + str(l)] = np.dot(dZ, A[l - 1].T) / m
        grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            grads["dA" + str(l - 1)] = np.dot(W[l].T, dZ) * D[l - 1] / keep_prob
    return grads
