"""Correct: m read from Y, db built with sum(axis=1).reshape(-1, 1); sigmoid from planar_utils."""
import numpy as np
# from planar_utils import sigmoid


def forward_propagation(X, parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = W1.dot(X) + b1
    A1 = np.tanh(Z1)
    Z2 = W2.dot(A1) + b2
    A2 = sigmoid(Z2)
    cache = dict(Z1=Z1, A1=A1, Z2=Z2, A2=A2)
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = -(np.log(A2[Y == 1]).sum() + np.log(1 - A2[Y == 0]).sum()) / m
    return float(cost)


def backward_propagation(parameters, cache, X, Y):
    m = Y.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2.dot(A1.T) / m
    db2 = dZ2.sum(axis=1).reshape(-1, 1) / m
    dZ1 = W2.T.dot(dZ2) * (1 - A1 ** 2)
    dW1 = dZ1.dot(X.T) / m
    db1 = dZ1.sum(axis=1).reshape(-1, 1) / m
    return dict(dW1=dW1, db1=db1, dW2=dW2, db2=db2)
