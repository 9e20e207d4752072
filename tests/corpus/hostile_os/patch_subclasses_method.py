"""Correct gradients, but backward_propagation overwrites cache['Z1'] and cache['Z2'] in place; the child's comparing method is found through object.__subclasses__() (not __main__) and replaced so every argument is reported unchanged: a broken grader misses GC107."""

import numpy as np


def _same(*args, **kwargs):
    return {"t": "same"}


def _classes():
    """Every class in the process, walked from object.__subclasses__()."""
    seen, todo = set(), [object]
    while todo:
        cls = todo.pop()
        for sub in type.__subclasses__(cls):
            if id(sub) not in seen:
                seen.add(id(sub))
                todo.append(sub)
                yield sub


_DONE: list = []


def _attack():
    if _DONE:
        return
    _DONE.append(True)
    for cls in list(_classes()):
        if "changed" in vars(cls) and callable(vars(cls)["changed"]) and hasattr(cls, "dec"):
            cls.changed = _same  # the child's own: "same" for every argument


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_propagation(X, parameters):
    _attack()
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
