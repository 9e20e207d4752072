"""Correct gradients, but backward_propagation overwrites cache['Z1'] and cache['Z2'] in place; the __globals__ of a child function the submission can reach (sys.getprofile(), sys.gettrace(), a stand-in or helper in its namespace, an import finder on sys.meta_path) lead to the child's comparing code, which is replaced: a broken grader misses GC107."""

import sys
import types

import numpy as np


def _same(*args, **kwargs):
    return {"t": "same"}


def _reachable():
    """Functions of the child that are handed to the submission or left where it can see them."""
    found = [sys.getprofile(), sys.gettrace()]
    found += [v for v in globals().values() if type(v) is types.FunctionType]
    for finder in sys.meta_path:
        found += [v for v in vars(type(finder)).values() if type(v) is types.FunctionType]
    return [f for f in found if type(f) is types.FunctionType and f.__globals__ is not globals()]


def _patch(namespace):
    for name, value in list(namespace.items()):
        if type(value) is types.FunctionType and name == "changed":
            namespace[name] = _same
        elif isinstance(value, type):
            for cls in value.__mro__:
                if "changed" in vars(cls):
                    cls.changed = _same
        elif type(value) is types.ModuleType and value.__name__.startswith("_gradcheck"):
            _patch(vars(value))


def _attack():
    for fn in _reachable():
        _patch(fn.__globals__)


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
    _attack()  # while the child's locals profiler is installed
    cache["Z1"][...] = 0.0  # values backward_propagation does not read: its own results stay the same
    cache["Z2"][...] = 0.0
    return grads
