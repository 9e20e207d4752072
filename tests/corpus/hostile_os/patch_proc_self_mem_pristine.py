"""Correct gradients, but backward_propagation overwrites cache['Z1'] and cache['Z2'] in place, then opens its own /proc/self/mem (through a directory fd, so the audit hook judges the path 'mem' as inside the scratch dir), finds the old values' bytes in its writable memory and writes the new ones there: the child's pristine copies change under it, a broken grader misses GC107."""

import os
import sys

import numpy as np

CHUNK = 4 << 20
BIGGEST = 1 << 30


def _open_own(name, flags):
    """/proc/self/<name>, opened relative to a directory fd."""
    folder = os.open("/proc/self", os.O_RDONLY | os.O_DIRECTORY)
    try:
        return os.open(name, flags, dir_fd=folder)
    finally:
        os.close(folder)


def _writable_ranges():
    fd = _open_own("maps", os.O_RDONLY)
    text = b""
    try:
        while chunk := os.read(fd, 1 << 16):
            text += chunk
    finally:
        os.close(fd)
    for line in text.splitlines():
        fields = line.split()
        lo, hi = (int(x, 16) for x in fields[0].split(b"-"))
        anonymous = len(fields) < 6 or fields[5] == b"[heap]"  # Python's heap: not files, not [stack]/[vvar]
        if fields[1].startswith(b"rw") and anonymous and hi - lo <= BIGGEST:
            yield lo, hi


def _rewrite_memory(pairs):
    """Every copy of an old value's bytes in this process's writable memory gets the new bytes."""
    header = sys.getsizeof(b"") - 1  # where a bytes object's data starts
    swaps = [(old.tobytes(), new.tobytes()) for new, old in pairs]
    mine = [(id(b) + header, id(b) + header + len(b)) for swap in swaps for b in swap]  # the patterns themselves
    mem = _open_own("mem", os.O_RDWR)
    try:
        for lo, hi in list(_writable_ranges()):
            start = lo
            while start < hi:
                try:
                    data = os.pread(mem, min(CHUNK, hi - start), start)
                except OSError:
                    break
                for old, new in swaps:
                    at = data.find(old)
                    while at >= 0:
                        addr = start + at
                        if not any(a <= addr < b for a, b in mine):
                            os.pwrite(mem, new, addr)
                        at = data.find(old, at + 1)
                if not data:
                    break
                start += max(len(data) - max(len(o) for o, _ in swaps) + 1, 1)
    finally:
        os.close(mem)


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
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    before = {k: cache[k].copy() for k in ("Z1", "Z2")}  # the old values, to find the child's copies of them
    cache["Z1"][...] = 0.0  # values backward_propagation does not read: its own results stay the same
    cache["Z2"][...] = 0.0
    pairs = [(cache[k], before[k]) for k in before]
    _rewrite_memory(pairs)
    return grads
