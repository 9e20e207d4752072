"""The cells of a planar-classification notebook (Coursera C1W3 style) around a student's functions."""

from __future__ import annotations

import ast
from pathlib import Path

IMPORTS = """\
# Package imports
import numpy as np
import copy
import matplotlib.pyplot as plt
from testCases_v2 import *
from public_tests import *
import sklearn
import sklearn.datasets
import sklearn.linear_model
from planar_utils import plot_decision_boundary, sigmoid, load_planar_dataset, load_extra_datasets

%matplotlib inline
%load_ext autoreload
%autoreload 2"""

NN_MODEL = """\
# GRADED FUNCTION: nn_model

def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    np.random.seed(3)
    n_x, n_y = X.shape[0], Y.shape[0]
    parameters = {"W1": np.random.randn(n_h, n_x) * 0.01, "b1": np.zeros((n_h, 1)),
                  "W2": np.random.randn(n_y, n_h) * 0.01, "b2": np.zeros((n_y, 1))}
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        for k in ("W1", "b1", "W2", "b2"):
            parameters[k] = parameters[k] - 1.2 * grads["d" + k]
        if print_cost and i % 1000 == 0:
            print("Cost after iteration %i: %f" % (i, cost))
    return parameters"""


def functions(path: Path) -> dict[str, str]:
    """Each top-level function of a .py file, as source text."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    return {n.name: ast.get_source_segment(text, n) for n in tree.body if isinstance(n, ast.FunctionDef)}


def cells(fns: dict[str, str]) -> list[tuple[str, str]]:
    """(cell_type, source) for the whole notebook; a 'sigmoid' in fns gets its own cell."""
    out = [
        ("markdown", "# Planar data classification with one hidden layer"),
        ("code", IMPORTS),
        ("code", "X, Y = load_planar_dataset()"),
        ("code", "# Visualize the data:\nplt.scatter(X[0, :], X[1, :], c=Y, s=40, cmap=plt.cm.Spectral);"),
        (
            "code",
            "shape_X = X.shape\nshape_Y = Y.shape\nm = shape_X[1]  # training set size\n\nprint ('The shape of X is: ' + str(shape_X))\nprint ('I have m = %d training examples!' % (m))",
        ),
    ]
    if "sigmoid" in fns:
        out.append(("code", fns["sigmoid"]))
    for name, test in (
        (
            "forward_propagation",
            't_X, parameters = forward_propagation_test_case()\nA2, cache = forward_propagation(t_X, parameters)\nprint("A2 = " + str(A2))\n\nforward_propagation_test(forward_propagation)',
        ),
        (
            "compute_cost",
            'A2, t_Y = compute_cost_test_case()\ncost = compute_cost(A2, t_Y)\nprint("cost = " + str(compute_cost(A2, t_Y)))\n\ncompute_cost_test(compute_cost)',
        ),
        (
            "backward_propagation",
            'parameters, cache, t_X, t_Y = backward_propagation_test_case()\n\ngrads = backward_propagation(parameters, cache, t_X, t_Y)\nprint ("dW1 = "+ str(grads["dW1"]))\n\nbackward_propagation_test(backward_propagation)',
        ),
    ):
        out.append(("markdown", f"### {name}"))
        out.append(("code", f"# GRADED FUNCTION: {name}\n\n{fns[name]}"))
        out.append(("code", test))
    out += [
        ("code", NN_MODEL),
        (
            "code",
            "# Build a model with a n_h-dimensional hidden layer\nparameters = nn_model(X, Y, n_h = 4, num_iterations = 10000, print_cost=True)",
        ),
        ("code", "%matplotlib inline"),
        (
            "code",
            '# Plot the decision boundary\nplot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)\nplt.title("Decision Boundary for hidden layer size " + str(4))',
        ),
        (
            "code",
            "!ls -la\nfor i, n_h in enumerate([1, 2, 3, 4, 5]):\n    plt.subplot(5, 2, i+1)\n    parameters = nn_model(X, Y, n_h, num_iterations = 5000)",
        ),
    ]
    return out


def notebook_json(cell_list: list[tuple[str, str]]) -> dict:
    """An nbformat 4.5 notebook as plain JSON data (no nbformat needed); sources as lists of lines."""
    nb_cells = []
    for i, (kind, source) in enumerate(cell_list):
        cell = {"cell_type": kind, "id": f"cell-{i}", "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        nb_cells.append(cell)
    return {
        "cells": nb_cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip


def code_cell_number(cell_list: list[tuple[str, str]], startswith: str) -> int:
    """The number Jupyter shows for the first code cell whose source starts with ``startswith``."""
    number = 0
    for kind, source in cell_list:
        if kind == "code":
            number += 1
            if source.startswith(startswith):
                return number
    raise LookupError(startswith)
