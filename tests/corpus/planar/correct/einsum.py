"""Correct: np.einsum for every product, sigmoid written via tanh."""
import numpy as np


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.einsum("hx,xm->hm", W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.einsum("yh,hm->ym", W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    total = np.einsum("ym,ym->", Y, np.log(A2)) + np.einsum("ym,ym->", 1 - Y, np.log(1 - A2))
    return float(-total / m)


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.einsum("ym,hm->yh", dZ2, A1) / m
    db2 = np.einsum("ym->y", dZ2)[:, None] / m
    dZ1 = np.einsum("yh,ym->hm", W2, dZ2) * (1 - A1 ** 2)
    dW1 = np.einsum("hm,xm->hx", dZ1, X) / m
    db1 = np.einsum("hm->h", dZ1)[:, None] / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads
