"""Hostile (lying): after replying to its first backward_propagation call, the child stops
itself (SIGSTOP from a helper thread, once the main thread sleeps waiting for the next request) and never reads its
input again. A grader that writes its next request without a deadline blocks for ever once
the request is bigger than the pipe (at cat size; the write deadline in wire.py is tested
at that size in tests/sandbox/test_write_deadline.py); at planar size the request fits in
the pipe and the reply never comes. Either way: a timeout, the child killed (SIGKILL ends a
stopped process), grading goes on. If the stop is refused, dW1 lacks the 1/m (GC302)."""
import signal as _signal
import threading as _threading
import time as _time

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m
    return float(cost)


def _stop_soon():
    """Once the main thread sleeps (its reply sent, it waits for the next request), stop."""
    import os

    stat = f"/proc/self/task/{os.getpid()}/stat"  # the main thread's id is the process id
    end = _time.monotonic() + 5
    while _time.monotonic() < end:
        try:
            with open(stat) as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            state = "S"  # no /proc (not Linux): stop after a moment
            _time.sleep(0.05)
        if state == "S":
            _signal.raise_signal(_signal.SIGSTOP)
            return
        _time.sleep(0.001)


def backward_propagation(parameters, cache, X, Y):
    _threading.Thread(target=_stop_soon, daemon=True).start()
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T)  # lying: the 1/m is missing
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads

