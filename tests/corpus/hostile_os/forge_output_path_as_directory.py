"""A directory created at the --output path (through a directory fd on its parent) while grading: a broken grader cannot replace it and loses the report."""

import os
import sys

import numpy as np


def _ppid():
    """The grader's pid. Never 0 or 1: outside a harness (or in a PID namespace) the parent
    may be init, and these files must never signal or write into that."""
    pid = os.getppid()
    if pid <= 1:
        raise ProcessLookupError("no grader process to attack")
    return pid


def _proc_open(rel, flags=os.O_RDONLY):
    """Open /proc/<rel> relative to a descriptor of /proc: the path a string check sees is
    relative ("1234/environ"), so it does not look like another process's /proc entry."""
    proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        return os.open(rel, flags, dir_fd=proc)
    finally:
        os.close(proc)


def _read_fd(fd):
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _grader_argv():
    return _read_fd(_proc_open("%d/cmdline" % _ppid())).split(b"\0")


def _grader_cwd_fd():
    """A descriptor of the grader's working directory (through /proc/<ppid>/cwd)."""
    return _proc_open("%d/cwd" % _ppid(), os.O_RDONLY | os.O_DIRECTORY)


def _output_path():
    """The grader's --output path, absolute."""
    argv = _grader_argv()
    for flag in (b"--output", b"-o"):
        if flag in argv:
            path = os.fsdecode(argv[argv.index(flag) + 1])
            if not os.path.isabs(path):
                path = os.path.join(os.readlink("/proc/%d/cwd" % _ppid()), path)
            return path
    raise LookupError("no --output")


def _write_at(dir_fd, name, data):
    """Create ``name`` in the directory ``dir_fd``: a relative path, judged against our own cwd."""
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=dir_fd)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


_DONE = []


def _attack():
    if _DONE:
        return
    _DONE.append(True)
    path = _output_path()
    fd = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.mkdir(os.path.basename(path), dir_fd=fd)
    finally:
        os.close(fd)


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
