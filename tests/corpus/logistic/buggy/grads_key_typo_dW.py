"""Bug: grads uses the key 'dW' (capital W) instead of 'dw'."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    cost = np.squeeze(cost)
    grads = {"dW": dw, "db": db}
    return grads, cost
