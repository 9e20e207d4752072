"""Correct gradients, but backward_propagation overwrites cache['Z1'] and cache['Z2'] in place; numpy's Python-level helpers the child compares with (ndarray.all's numpy._core._methods._all, np.array_equal) are replaced at import to answer 'equal': a broken grader misses GC107."""

import importlib

import numpy as np


def _patch_numpy():
    """ndarray.all() forwards to _methods._all (looked up once, at its first use: patch it
    before the child compares anything); np.array_equal is looked up at every call."""
    for name in ("numpy._core._methods", "numpy.core._methods"):
        try:
            methods = importlib.import_module(name)
        except ImportError:
            continue
        real_all = methods._all

        def _all(a, *args, _real=real_all, **kwargs):
            return True if getattr(a, "dtype", None) == np.bool_ else _real(a, *args, **kwargs)

        methods._all = _all
    np.array_equal = lambda a1, a2, equal_nan=False: np.shape(a1) == np.shape(a2)


_patch_numpy()


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
    cache["Z1"][...] = 0.0  # values backward_propagation does not read: its own results stay the same
    cache["Z2"][...] = 0.0
    return grads
