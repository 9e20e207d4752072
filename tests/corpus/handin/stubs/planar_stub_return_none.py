import numpy as np
from planar_utils import sigmoid


# GRADED FUNCTION: forward_propagation

def forward_propagation(X, parameters):
    """
    Argument:
    X -- input data of size (n_x, m)
    parameters -- python dictionary containing your parameters (output of initialization function)

    Returns:
    A2 -- The sigmoid output of the second activation
    cache -- a dictionary containing "Z1", "A1", "Z2" and "A2"
    """
    # YOUR CODE STARTS HERE

    # YOUR CODE ENDS HERE
    return None


# GRADED FUNCTION: compute_cost

def compute_cost(A2, Y):
    # YOUR CODE STARTS HERE

    # YOUR CODE ENDS HERE
    return None


# GRADED FUNCTION: backward_propagation

def backward_propagation(parameters, cache, X, Y):
    # YOUR CODE STARTS HERE

    # YOUR CODE ENDS HERE
    return None
