"""The course's gc_utils helpers for the Gradient Checking notebook (C2W1), written for gradcheck.

A submission sees every public function here without defining it, and may
`from gc_utils import ...` as the notebook does. forward_propagation_n is here too: the
notebook supplies it, so a file that only has the exercises still runs.

The course's vector_to_dictionary hard-codes the toy network's shapes (5x4, 5x1, 3x5, ...).
gradcheck draws different sizes in every trial, so this one rebuilds the layout that the
last dictionary_to_vector call flattened — the same call order the notebook uses.
"""

import numpy as np

_PARAMETER_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
_GRADIENT_KEYS = ("dW1", "db1", "dW2", "db2", "dW3", "db3")
_layout = [(key, None) for key in _PARAMETER_KEYS]  # (key, shape) of the last flattening


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def dictionary_to_vector(parameters):
    """All parameters as one column vector, in the order W1, b1, W2, b2, W3, b3; and the key of each entry."""
    global _layout
    _layout = [(key, np.shape(parameters[key])) for key in _PARAMETER_KEYS]
    columns = [np.reshape(parameters[key], (-1, 1)) for key in _PARAMETER_KEYS]
    keys = [key for key in _PARAMETER_KEYS for _ in range(int(np.size(parameters[key])))]
    return np.concatenate(columns, axis=0), keys


def vector_to_dictionary(theta):
    """The inverse of dictionary_to_vector, for the shapes it saw last."""
    if any(shape is None for _, shape in _layout):
        raise ValueError("vector_to_dictionary needs a dictionary_to_vector call first (it reuses that layout)")
    parameters, start = {}, 0
    for key, shape in _layout:
        size = int(np.prod(shape))
        parameters[key] = np.reshape(theta[start : start + size], shape)
        start += size
    return parameters


def gradients_to_vector(gradients):
    """dW1, db1, dW2, db2, dW3, db3 as one column vector (the other keys are ignored)."""
    return np.concatenate([np.reshape(gradients[key], (-1, 1)) for key in _GRADIENT_KEYS], axis=0)


def forward_propagation_n(X, Y, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID; the mean cross-entropy and the course's 12-tuple cache."""
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    log_probs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1.0 / m * np.sum(log_probs)
    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


def gradient_check_n_test_case():
    """The notebook's test case: a 4-feature, 3-example batch for the 4-5-3-1 network."""
    rng = np.random.RandomState(1)
    x = rng.randn(4, 3)
    y = np.array([1, 1, 0])
    parameters = {
        "W1": rng.randn(5, 4), "b1": rng.randn(5, 1),
        "W2": rng.randn(3, 5), "b2": rng.randn(3, 1),
        "W3": rng.randn(1, 3), "b3": rng.randn(1, 1),
    }  # fmt: skip
    return x, y, parameters
