"""Correct: m read from Y, the 1/m written as a prefactor, dw via np.matmul."""
import numpy as np


def propagate(w, b, X, Y):
    m = Y.shape[1]
    A = sigmoid(np.matmul(w.T, X) + b)
    cost = (-1.0 / m) * np.sum(Y * np.log(A) + (1.0 - Y) * np.log(1.0 - A))
    dw = (1.0 / m) * np.matmul(X, (A - Y).T)
    db = (1.0 / m) * np.sum(A - Y)
    grads = {"dw": dw, "db": db}
    return grads, cost
