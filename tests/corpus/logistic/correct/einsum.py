"""Correct: dw via np.einsum over the examples, db via .mean()."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.einsum("i,im->m", w[:, 0], X)[None, :] + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.einsum("im,m->i", X, (A - Y)[0])[:, None] / m
    db = (A - Y).mean()
    return {"dw": dw, "db": db}, cost
