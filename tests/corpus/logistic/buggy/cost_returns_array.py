"""Bug: cost = -(1/m) * (Y @ log(A).T + ...) is returned as a (1, 1) array, never squeezed."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -(1 / m) * (np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T))
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost
