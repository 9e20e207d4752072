"""Correct: backward intermediates named delta2 / delta1 instead of dZ2 / dZ1; sigmoid from planar_utils."""
import numpy as np
# from planar_utils import sigmoid


def forward_propagation(X, parameters):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    n_examples = Y.shape[1]
    cross_entropy = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    return float(np.sum(cross_entropy) / n_examples)


def backward_propagation(parameters, cache, X, Y):
    n_examples = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    delta2 = A2 - Y
    delta1 = np.dot(W2.T, delta2) * (1 - A1 * A1)
    grads = {
        "dW2": np.dot(delta2, A1.T) / n_examples,
        "db2": np.sum(delta2, axis=1, keepdims=True) / n_examples,
        "dW1": np.dot(delta1, X.T) / n_examples,
        "db1": np.sum(delta1, axis=1, keepdims=True) / n_examples,
    }
    return grads
