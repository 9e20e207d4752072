import numpy as np
from planar_utils import sigmoid


def forward_propagation(X, parameters):
    # TODO: the real forward pass; shapes are right so that the notebook runs
    m = X.shape[1]
    n_h = parameters["W1"].shape[0]
    Z1 = np.zeros((n_h, m))
    A1 = np.zeros((n_h, m))
    Z2 = np.zeros((1, m))
    A2 = 0.5 * np.ones((1, m))
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    cost = 0.0
    return cost


def backward_propagation(parameters, cache, X, Y):
    grads = {"dW1": np.zeros_like(parameters["W1"]),
             "db1": np.zeros_like(parameters["b1"]),
             "dW2": np.zeros_like(parameters["W2"]),
             "db2": np.zeros_like(parameters["b2"])}
    return grads
