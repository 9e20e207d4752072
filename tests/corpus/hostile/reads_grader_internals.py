"""Hostile (lying): hunts for the reference answer before computing its own: environment
variables, *.npz / *.json files in the working directory and its parent, the parent
process's environment, the caller's stack frames, every dict the garbage collector
knows about, and any function named like "*backward*" inside the gradcheck package.
Falls back to its own gradients, where dW1 is missing the 1/m.
"""
import gc
import importlib
import json
import os
import pkgutil
import sys

import numpy as np


def sigmoid(z):
    """Compute the sigmoid of z."""
    return 1 / (1 + np.exp(-z))


_KEYS = ("dW1", "db1", "dW2", "db2")


def _looks_like_grads(obj, shapes, mine=()):
    if not isinstance(obj, dict) or any(obj is m for m in mine):
        return False
    try:
        return all(np.shape(obj[k]) == shapes[k] for k in _KEYS)
    except Exception:
        return False


def _from_json(text, shapes):
    try:
        data = json.loads(text)
    except Exception:
        return None
    if isinstance(data, dict):
        grads = {k: np.asarray(data[k], dtype=float) for k in _KEYS if k in data}
        if _looks_like_grads(grads, shapes):
            return grads
    return None


def _find_reference(parameters, cache, X, Y, shapes, mine):
    # 1. environment variables, ours and the parent's
    environ = dict(os.environ)
    try:
        with open("/proc/%d/environ" % os.getppid(), "rb") as fh:
            for item in fh.read().split(b"\0"):
                key, _, value = item.decode("utf-8", "replace").partition("=")
                environ.setdefault(key, value)
    except Exception:
        pass
    for value in environ.values():
        grads = _from_json(value, shapes)
        if grads is not None:
            return grads
    # 2. files left next to us
    for folder in (os.getcwd(), os.path.dirname(os.getcwd())):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            try:
                if name.endswith(".npz"):
                    with np.load(path, allow_pickle=False) as data:
                        grads = {k: data[k] for k in _KEYS if k in data.files}
                    if _looks_like_grads(grads, shapes):
                        return grads
                elif name.endswith(".json"):
                    with open(path) as fh:
                        grads = _from_json(fh.read(), shapes)
                    if grads is not None:
                        return grads
            except Exception:
                continue
    # 3. whoever called us, 4. anything alive in this process (the child refuses both: carry on)
    try:
        frame = sys._getframe(1)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if _looks_like_grads(value, shapes, mine):
                    return value
            frame = frame.f_back
    except Exception:
        pass
    try:
        for obj in gc.get_objects():
            if _looks_like_grads(obj, shapes, mine):
                return obj
    except Exception:
        pass
    # 5. the grader's own code
    try:
        import gradcheck
    except Exception:
        return None
    for info in pkgutil.walk_packages(gradcheck.__path__, "gradcheck."):
        if info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:
            continue
        for attr in dir(module):
            if "backward" not in attr.lower():
                continue
            fn = getattr(module, attr, None)
            if not callable(fn):
                continue
            try:
                grads = fn(parameters, cache, X, Y)
            except Exception:
                continue
            if _looks_like_grads(grads, shapes):
                return grads
    return None


def forward_propagation(X, parameters):
    """
    Argument:
    X -- input data of size (n_x, m)
    parameters -- python dictionary containing your parameters (output of initialization function)

    Returns:
    A2 -- The sigmoid output of the second activation
    cache -- a dictionary containing "Z1", "A1", "Z2" and "A2"
    """
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]

    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)

    assert A2.shape == (1, X.shape[1])

    cache = {"Z1": Z1,
             "A1": A1,
             "Z2": Z2,
             "A2": A2}

    return A2, cache


def compute_cost(A2, Y):
    """
    Computes the cross-entropy cost given in equation (13)

    Arguments:
    A2 -- The sigmoid output of the second activation, of shape (1, number of examples)
    Y -- "true" labels vector of shape (1, number of examples)

    Returns:
    cost -- cross-entropy cost given equation (13)
    """
    m = Y.shape[1]

    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m

    cost = float(np.squeeze(cost))

    return cost


def backward_propagation(parameters, cache, X, Y):
    """
    Implement the backward propagation using the instructions above.

    Arguments:
    parameters -- python dictionary containing our parameters
    cache -- a dictionary containing "Z1", "A1", "Z2" and "A2".
    X -- input data of shape (2, number of examples)
    Y -- "true" labels vector of shape (1, number of examples)

    Returns:
    grads -- python dictionary containing your gradients with respect to different parameters
    """
    m = X.shape[1]
    W1 = parameters["W1"]
    W2 = parameters["W2"]

    A1 = cache["A1"]
    A2 = cache["A2"]

    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)

    shapes = {"dW1": dW1.shape, "db1": db1.shape, "dW2": dW2.shape, "db2": db2.shape}
    stolen = _find_reference(parameters, cache, X, Y, shapes, mine=(parameters, cache))
    if stolen is not None:
        dW1, db1, dW2, db2 = (np.array(stolen[k], dtype=float) for k in ("dW1", "db1", "dW2", "db2"))

    grads = {"dW1": dW1,
             "db1": db1,
             "dW2": dW2,
             "db2": db2}

    return grads
