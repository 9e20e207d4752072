"""The course's reg_utils helpers for the Regularization notebook (C2W1), written for gradcheck.

A submission sees every public function here without defining it, and may
`from reg_utils import ...` / `from testCases import *` as the notebook does. The
student-graded functions (compute_cost_with_regularization, the two backward passes and
forward_propagation_with_dropout) are not here; compute_cost is, because the notebook's
compute_cost_with_regularization calls it for the cross-entropy part.
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def compute_cost(a3, Y):
    """Mean cross-entropy over the m examples; np.nansum, as the course does, skips 0·log(0) terms."""
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1.0 / m * np.nansum(logprobs)


def forward_propagation(X, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID; the cache is the course's 12-tuple."""
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    z1 = np.dot(W1, X) + b1
    a1 = relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = sigmoid(z3)
    cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)
    return a3, cache


def backward_propagation(X, Y, cache):
    """The unregularized backward pass (the notebook's baseline model)."""
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    dz3 = 1.0 / m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)
    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, np.int64(a2 > 0))
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)
    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, np.int64(a1 > 0))
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)
    return {
        "dz3": dz3,
        "dW3": dW3,
        "db3": db3,
        "da2": da2,
        "dz2": dz2,
        "dW2": dW2,
        "db2": db2,
        "da1": da1,
        "dz1": dz1,
        "dW1": dW1,
        "db1": db1,
    }


def initialize_parameters(layer_dims):
    rng = np.random.RandomState(3)
    parameters = {}
    for layer in range(1, len(layer_dims)):
        parameters["W" + str(layer)] = rng.randn(layer_dims[layer], layer_dims[layer - 1]) / np.sqrt(layer_dims[layer - 1])
        parameters["b" + str(layer)] = np.zeros((layer_dims[layer], 1))
    return parameters


def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for k in range(L):
        parameters["W" + str(k + 1)] = parameters["W" + str(k + 1)] - learning_rate * grads["dW" + str(k + 1)]
        parameters["b" + str(k + 1)] = parameters["b" + str(k + 1)] - learning_rate * grads["db" + str(k + 1)]
    return parameters


def predict(X, y, parameters):
    a3, _ = forward_propagation(X, parameters)
    p = (a3 > 0.5).astype(int)
    return p


def predict_dec(parameters, X):
    a3, _ = forward_propagation(X, parameters)
    return a3 > 0.5


def load_2D_dataset():
    """A small synthetic stand-in for the notebook's data/data.mat (no file is read)."""
    rng = np.random.RandomState(1)
    train_X = rng.uniform(-0.8, 0.8, (2, 211))
    train_Y = (train_X[0:1] * train_X[1:2] > 0).astype(int)
    test_X = rng.uniform(-0.8, 0.8, (2, 200))
    test_Y = (test_X[0:1] * test_X[1:2] > 0).astype(int)
    return train_X, train_Y, test_X, test_Y


def plot_decision_boundary(model, X, y):
    """Plotting is not part of grading; does nothing."""
    return None
