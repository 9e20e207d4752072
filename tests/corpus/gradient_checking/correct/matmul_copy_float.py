"""Gradient Checking (C2W1): `@`, .copy(), a while loop, vectorized relu masks, floats returned."""
import numpy as np
from gc_utils import dictionary_to_vector, vector_to_dictionary, gradients_to_vector


def forward_propagation(x, theta):
    return theta * x


def backward_propagation(x, theta):
    return x


def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    J_plus = forward_propagation(x, theta + epsilon)
    J_minus = forward_propagation(x, theta - epsilon)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    difference = float(abs(grad - gradapprox) / (abs(grad) + abs(gradapprox)))
    if print_msg:
        verdict = "There is a mistake in the backward propagation!" if difference > 2e-7 else "Your backward propagation works perfectly fine!"
        print(f"{verdict} difference = {difference}")
    return difference


def backward_propagation_n(X, Y, cache):
    Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
    m = X.shape[1]

    dZ3 = A3 - Y
    dW3 = dZ3 @ A2.T / m
    db3 = dZ3.sum(axis=1, keepdims=True) / m

    dA2 = W3.T @ dZ3
    dZ2 = dA2 * (Z2 > 0)
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m

    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (Z1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m

    return dict(dZ3=dZ3, dW3=dW3, db3=db3, dA2=dA2, dZ2=dZ2, dW2=dW2, db2=db2,
                dA1=dA1, dZ1=dZ1, dW1=dW1, db1=db1)


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    n = theta.shape[0]
    gradapprox = np.zeros((n, 1))

    i = 0
    while i < n:
        thetaplus = theta.copy()
        thetaplus[i, 0] += epsilon
        thetaminus = theta.copy()
        thetaminus[i, 0] -= epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaplus))
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaminus))
        gradapprox[i, 0] = (J_plus - J_minus) / (2 * epsilon)
        i += 1

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = float(numerator / denominator)

    if print_msg:
        if difference > 2e-7:
            print(f"There is a mistake in the backward propagation! difference = {difference:.3e}")
        else:
            print(f"Your backward propagation works perfectly fine! difference = {difference:.3e}")
    return difference
