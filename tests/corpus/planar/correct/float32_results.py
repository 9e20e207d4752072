"""Correct: every array is cast with .astype(np.float32); the cost is still a Python float."""
import numpy as np


def sigmoid(z):
    return (1 / (1 + np.exp(-z))).astype(np.float32)


def forward_propagation(X, parameters):
    W1 = parameters["W1"].astype(np.float32)
    b1 = parameters["b1"].astype(np.float32)
    W2 = parameters["W2"].astype(np.float32)
    b2 = parameters["b2"].astype(np.float32)
    Z1 = (np.dot(W1, X.astype(np.float32)) + b1).astype(np.float32)
    A1 = np.tanh(Z1).astype(np.float32)
    Z2 = (np.dot(W2, A1) + b2).astype(np.float32)
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    A2 = A2.astype(np.float32)
    logprobs = Y * np.log(A2) + (1 - Y) * np.log(1 - A2)
    return float(-np.sum(logprobs) / m)


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"].astype(np.float32)
    A1 = cache["A1"].astype(np.float32)
    A2 = cache["A2"].astype(np.float32)
    dZ2 = (A2 - Y).astype(np.float32)
    dW2 = (np.dot(dZ2, A1.T) / m).astype(np.float32)
    db2 = (np.sum(dZ2, axis=1, keepdims=True) / m).astype(np.float32)
    dZ1 = (np.dot(W2.T, dZ2) * (1 - A1 ** 2)).astype(np.float32)
    dW1 = (np.dot(dZ1, X.T) / m).astype(np.float32)
    db1 = (np.sum(dZ1, axis=1, keepdims=True) / m).astype(np.float32)
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads
