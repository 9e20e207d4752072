"""The planar spec.yaml found from numpy.__file__'s site-packages (the editable-install finder names the source tree) and its formulas evaluated: a broken grader passes this wrong dW1."""

import os
import re
import sys

import numpy as np


def _reference(formulas, parameters, cache, X, Y):
    """Evaluate the spec's backward formulas (``name: expression`` lines) with numpy."""
    env = dict(parameters, **cache, X=X, Y=Y, m=X.shape[1])
    env.update(sum=np.sum, tanh=np.tanh, log=np.log, exp=np.exp, tanh_prime=lambda z: 1 - np.tanh(z) ** 2,
               sigmoid=lambda z: 1 / (1 + np.exp(-z)))
    for name, text in formulas:
        env[name] = eval(text, {"__builtins__": {}}, env)
    return {k: env[k] for k in ("dW1", "db1", "dW2", "db2")}


def _backward_block(text):
    """The ``backward:`` mapping of a spec.yaml, read line by line (no YAML library needed)."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("backward:"):
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            body = line.split("#", 1)[0].strip()
            if ":" in body:
                name, expr = body.split(":", 1)
                out.append((name.strip(), expr.strip()))
    return out


def _spec_text():
    site = os.path.dirname(os.path.dirname(np.__file__))
    roots = []
    for name in os.listdir(site):
        path = os.path.join(site, name)
        if name.startswith("__editable__") and name.endswith(".py"):
            with open(path) as fh:
                roots += re.findall(r"'(/[^']+?)/gradcheck'", fh.read())
        elif name.startswith("__editable__") and name.endswith(".pth"):
            with open(path) as fh:
                roots += [line.strip() for line in fh if line.startswith("/")]
        elif name == "gradcheck":
            roots.append(site)
    for root in roots:
        for candidate in (os.path.join(root, "assignments", "planar", "spec.yaml"),
                          os.path.join(root, "gradcheck", "assignments", "planar", "spec.yaml")):
            if os.path.isfile(candidate):
                with open(candidate) as fh:
                    return fh.read()
    return None


def _steal(parameters, cache, X, Y):
    try:
        text = _spec_text()
    except OSError:
        text = None
    if not text:
        return None
    return _reference(_backward_block(text), parameters, cache, X, Y)


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
    stolen = _steal(parameters, cache, X, Y)
    if stolen is not None:
        grads = stolen
    return grads
