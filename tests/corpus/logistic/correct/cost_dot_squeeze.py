"""Correct: cost via np.dot(Y, log(A).T), a (1, 1) array squeezed to a 0-d value."""
import numpy as np


def sigmoid(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return s


def propagate(w, b, X, Y):
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    A = sigmoid(Z)
    cost = -(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)) / m
    cost = np.squeeze(cost)
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw,
             "db": db}
    return grads, cost
