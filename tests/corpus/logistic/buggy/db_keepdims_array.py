"""Bug: db = np.sum(A - Y, axis=1, keepdims=True) / m is a (1, 1) array; b is a number."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y, axis=1, keepdims=True) / m
    cost = np.squeeze(cost)
    grads = {"dw": dw, "db": db}
    return grads, cost
