import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def propagate(w, b, X, Y):
    """Examples as rows inside: A is (m, 1), so Y is used as a column too."""
    m = X.shape[1]
    A = sigmoid(np.dot(X.T, w) + b)          # (m, 1)
    y = Y.T                                   # (m, 1)
    cost = -np.sum(y * np.log(A) + (1 - y) * np.log(1 - A)) / m

    dw = np.dot(X, A - y) / m                 # (n_x, 1)
    db = np.sum(A - y) / m

    grads = {"dw": dw, "db": db}
    return grads, cost
