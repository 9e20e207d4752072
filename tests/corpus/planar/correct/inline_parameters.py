"""Correct: parameters["W1"] etc. used inline without unpacking; sigmoid from planar_utils."""
import numpy as np
# from planar_utils import sigmoid


def forward_propagation(X, parameters):
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
    return float(cost)


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    grads = {}
    grads["dW2"] = np.dot(dZ2, cache["A1"].T) / m
    grads["db2"] = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (1 - np.power(cache["A1"], 2))
    grads["dW1"] = np.dot(dZ1, X.T) / m
    grads["db1"] = np.sum(dZ1, axis=1, keepdims=True) / m
    return grads
