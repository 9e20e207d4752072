"""Correct: verbose style with many named temporaries, own sigmoid."""
import numpy as np
def sigmoid(z):
    return 1 / (1 + np.exp(-z))
def forward_propagation(X, parameters):
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    linear1 = np.dot(W1, X)
    Z1 = linear1 + b1
    A1 = np.tanh(Z1)
    linear2 = np.dot(W2, A1)
    Z2 = linear2 + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache
def compute_cost(A2, Y):
    m = Y.shape[1]
    positive_part = Y * np.log(A2)
    negative_part = (1 - Y) * np.log(1 - A2)
    total = np.sum(positive_part + negative_part)
    cost = -total / m
    return float(cost)
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    inv_m = 1.0 / m
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    A1_T = A1.T
    dW2 = inv_m * np.dot(dZ2, A1_T)
    dZ2_row_sums = np.sum(dZ2, axis=1, keepdims=True)
    db2 = inv_m * dZ2_row_sums
    dA1 = np.dot(W2.T, dZ2)
    tanh_slope = 1 - np.power(A1, 2)
    dZ1 = dA1 * tanh_slope
    X_T = X.T
    dW1 = inv_m * np.dot(dZ1, X_T)
    dZ1_row_sums = np.sum(dZ1, axis=1, keepdims=True)
    db1 = inv_m * dZ1_row_sums
    grads = {}
    grads["dW1"] = dW1
    grads["db1"] = db1
    grads["dW2"] = dW2
    grads["db2"] = db2
    return grads
