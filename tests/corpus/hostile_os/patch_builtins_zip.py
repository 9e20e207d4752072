"""Correct gradients, but backward_propagation overwrites cache['Z1'] and cache['Z2'] in place; builtins.zip is replaced so that when the child pairs its pristine copies with the arguments it pairs the arguments with themselves: a broken grader misses GC107."""

import builtins

import numpy as np

_ZIP = builtins.zip
_WRITTEN: list = []  # the cache dicts written into (kept alive: ids stay theirs)


def _zip(*iterables):
    """zip, but a pairing of anything with the list that holds a written cache pairs that
    list with itself: the child then compares each argument with itself."""
    if len(iterables) == 2 and type(iterables[1]) is list and any(a is w for a in iterables[1] for w in _WRITTEN):
        return _ZIP(iterables[1], iterables[1])
    return _ZIP(*iterables)


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
    _WRITTEN.append(cache)
    builtins.zip = _zip
    return grads
