"""Correct gradients, but backward_propagation returns, beside its gradients, an object whose finalizer starts a thread that overwrites cache["Z1"] and cache["Z2"] in place 0.2 s later: the child drops the object after its reply, outside any call (no child code touched). The thread is counted when the next call returns (GC108); a broken grader passes the file."""

import threading
import time

import numpy as np


def _write_later(*arrays):
    time.sleep(0.2)  # the child compares the arguments as soon as the call returns
    for a in arrays:
        a[...] = 0.0  # values backward_propagation does not read: its own results stay the same


class _Later:
    def __init__(self, *arrays):
        self.arrays = arrays

    def __del__(self):
        threading.Thread(target=_write_later, args=self.arrays, daemon=True).start()


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
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    grads["later"] = _Later(cache["Z1"], cache["Z2"])  # dropped by the child after its reply: the thread starts then
    return grads
