"""Bug: db = np.mean(A - Y) / m divides by m twice."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.mean(A - Y) / m
    cost = np.squeeze(cost)
    grads = {"dw": dw, "db": db}
    return grads, cost
