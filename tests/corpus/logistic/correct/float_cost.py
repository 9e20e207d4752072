"""Correct: cost and db converted with float(); sigmoid written inline."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    logprobs = np.multiply(Y, np.log(A)) + np.multiply(1 - Y, np.log(1 - A))
    cost = float(-np.sum(logprobs) / m)
    dz = A - Y
    dw = np.dot(X, dz.T) / m
    db = float(np.sum(dz) / m)
    grads = {"dw": dw, "db": db}
    return grads, cost
