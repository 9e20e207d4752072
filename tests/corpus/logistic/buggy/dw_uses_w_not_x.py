"""Bug: dw = np.dot(w, (A - Y).T) / m uses w where X belongs; (n_x, 1) . (m, 1) raises."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(w, (A - Y).T) / m
    db = np.sum(A - Y) / m
    cost = np.squeeze(cost)
    grads = {"dw": dw, "db": db}
    return grads, cost
