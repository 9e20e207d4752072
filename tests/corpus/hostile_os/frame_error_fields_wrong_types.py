"""A forged error reply whose fields have the wrong types (kind a list, frames holding a dict as a line number, name an int, line 10**30): a broken grader raises while writing the finding (GC901)."""

import json
import os
import stat
import struct
import sys
import time
import types

import numpy as np


def _child_self():
    """The child's reply stream, found by its file descriptor (its frames are out of reach):
    the one pipe open for writing that is not stderr."""
    err = os.fstat(2).st_ino
    for fd in range(3, 256):
        try:
            st = os.fstat(fd)
            if stat.S_ISFIFO(st.st_mode) and st.st_ino != err:
                os.write(fd, b"")  # a pipe's read end refuses this
                return types.SimpleNamespace(rout=_Pipe(fd))
        except OSError:
            continue
    raise LookupError("no reply pipe among the file descriptors")


class _Pipe:
    def __init__(self, fd):
        self.fd = fd

    def write(self, data):
        view = memoryview(data).cast("B")
        while len(view):
            view = view[os.write(self.fd, view) :]

    def flush(self):
        pass


def _forge(header_bytes, blobs=b""):
    """Write a raw frame (magic, length, header, blob bytes) on the real protocol stream."""
    server = _child_self()
    server.rout.write(b"GCW1" + struct.pack(">I", len(header_bytes)) + header_bytes + blobs)
    server.rout.flush()


_DONE = []


def _attack():
    if _DONE:
        return
    _DONE.append(True)
    header = {"ok": False, "error": {"kind": ["exception"], "type": {"x": 1}, "message": ["m"],
              "frames": [[{"line": 1}, ["fn"], 3.5], [10 ** 30, "backward_propagation", None]],
              "name": 7, "line": 10 ** 30}, "blobs": []}
    _forge(json.dumps(header).encode())
    os._exit(0)  # the forged frame is in the pipe: the grader reads it before it sees the end


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_propagation(X, parameters):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y):
    m = Y.shape[1]
    losses = Y * np.log(A2) + (1 - Y) * np.log(1 - A2)
    return float(-np.sum(losses) / m)


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = dZ1 @ X.T  # the bug: no 1/m (GC302 unless an attack hides it)
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    _attack()
    return grads
