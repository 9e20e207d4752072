import numpy as np
from gc_utils import *


def forward_propagation(x, theta):
    J = np.multiply(theta, x)
    return J


def backward_propagation(x, theta):
    dtheta = x
    return dtheta


def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    thetaplus = theta + epsilon
    thetaminus = theta - epsilon
    gradapprox = (forward_propagation(x, thetaplus) - forward_propagation(x, thetaminus)) / (2. * epsilon)
    grad = backward_propagation(x, theta)
    difference = np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))
    if print_msg:
        print("difference = " + str(difference))
    return difference


def backward_propagation_n(X, Y, cache):
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    gradients = {}

    dZ3 = A3 - Y
    gradients["dZ3"] = dZ3
    gradients["dW3"] = np.dot(dZ3, A2.T) / X.shape[1]
    gradients["db3"] = np.mean(dZ3, axis=1, keepdims=True)

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.where(Z2 > 0, dA2, 0.0)
    gradients["dA2"] = dA2
    gradients["dZ2"] = dZ2
    gradients["dW2"] = np.dot(dZ2, A1.T) / X.shape[1]
    gradients["db2"] = np.mean(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.where(Z1 > 0, dA1, 0.0)
    gradients["dA1"] = dA1
    gradients["dZ1"] = dZ1
    gradients["dW1"] = np.dot(dZ1, X.T) / X.shape[1]
    gradients["db1"] = np.mean(dZ1, axis=1, keepdims=True)

    return gradients


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    parameters_values, keys = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    num_parameters = len(keys)
    gradapprox = np.zeros((num_parameters, 1))

    for i in range(num_parameters):
        e_i = np.zeros((num_parameters, 1))
        e_i[i] = epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(parameters_values + e_i))
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(parameters_values - e_i))
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)

    difference = np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))

    if print_msg:
        if difference > 2e-7:
            print("There is a mistake in the backward propagation! difference = " + str(difference))
        else:
            print("Your backward propagation works perfectly fine! difference = " + str(difference))

    return difference
