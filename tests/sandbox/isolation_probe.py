"""A submission that tries, from inside the child, what the isolation must refuse; and a small
command line that runs it at one level and prints the outcome as JSON (the test re-runs it as
an unprivileged user). Each attempt goes around the child's audit hook where Python allows,
so what refuses it is the operating system.

Not collected by pytest (no ``test_`` prefix)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import os, sys, signal, socket, threading

SPEC = {spec!r}
PACKAGE_FILE = {package_file!r}
ELSEWHERE = {elsewhere!r}
SITE = {site!r}
MARK = {mark!r}


def attempt(fn):
    try:
        fn()
        return "ok"
    except BaseException as exc:  # noqa: BLE001
        return "denied: " + type(exc).__name__ + ": " + str(exc)[:200]


def _import_gradcheck():
    import gradcheck  # noqa: F401


def _read(path):
    def go():
        with open(path, "rb") as fh:
            fh.read(1)
    return go


def _spawn():
    # subprocess without its audit event: what stops it must be the kernel
    import subprocess

    class Quiet:
        def __getattr__(self, name):
            return getattr(sys, name)

        @staticmethod
        def audit(*args):
            return None

    subprocess.sys = Quiet()
    try:
        p = subprocess.Popen(["/bin/sh", "-c", "sleep 30 # " + MARK], start_new_session=True)
    finally:
        subprocess.sys = sys
    p.kill()
    p.wait()


def _pidfd():
    fd = os.pidfd_open(os.getppid())
    os.close(fd)


def _proc_mem():
    d = os.open("/proc", os.O_RDONLY)
    try:
        fd = os.open(str(os.getppid()) + "/mem", os.O_RDONLY, dir_fd=d)  # relative: the hook sees no /proc
        os.close(fd)
    finally:
        os.close(d)


def _site_write():
    d = os.open(SITE, os.O_RDONLY)
    try:
        fd = os.open("gradcheck-probe.pth", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d)
        os.close(fd)
        os.unlink("gradcheck-probe.pth", dir_fd=d)
    finally:
        os.close(d)


def _mknod():
    os.mkfifo("probe-fifo")


def _socket():
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()


def _socketpair():
    a, b = socket.socketpair()
    a.close(); b.close()


def _setxattr():
    with open("probe-x", "w") as fh:
        fh.write("x")
    os.setxattr("probe-x", "user.probe", b"1")


def _thread():
    box = []
    t = threading.Thread(target=lambda: box.append(1))
    t.start(); t.join()
    assert box == [1]


def _blas():
    import numpy as np
    a = np.ones((300, 300))
    assert float((a @ a)[0, 0]) == 300.0


def _escape():
    # setsid and a double fork, around the audit hook: nothing may outlive the grading
    import subprocess

    class Quiet:
        def __getattr__(self, name):
            return getattr(sys, name)

        @staticmethod
        def audit(*args):
            return None

    subprocess.sys = Quiet()
    try:
        subprocess.Popen(["/bin/sh", "-c", "(sleep 60; : " + MARK + ") & sleep 60; : " + MARK], start_new_session=True)
    finally:
        subprocess.sys = sys


ATTEMPTS = {{
    "import_gradcheck": _import_gradcheck, "read_spec": _read(SPEC), "read_package": _read(PACKAGE_FILE),
    "read_elsewhere": _read(ELSEWHERE),
    "spawn": _spawn, "escape": _escape, "fork": os.fork, "pidfd": _pidfd, "proc_mem": _proc_mem,
    "site_write": _site_write, "mknod": _mknod, "socket": _socket, "socketpair": _socketpair,
    "setxattr": _setxattr, "thread": _thread, "blas": _blas,
}}


def probe(names):
    out = {{name: attempt(ATTEMPTS[name]) for name in names}}
    out["uid"] = str(os.getuid())
    return out
"""


def probe_source(mark: str, elsewhere: str = "") -> str:
    """``elsewhere``: a world-readable file outside the submission's folder, the grader's tree and
    the scratch dir (another checkout's spec, an answer key): only the kernel's view hides it."""
    import numpy

    site = os.path.dirname(os.path.dirname(os.path.realpath(numpy.__file__)))  # where the grader's packages are
    return PROBE.format(spec=str(ROOT / "assignments" / "planar" / "spec.yaml"), package_file=str(ROOT / "gradcheck" / "__init__.py"),
                        site=site, mark=mark, elsewhere=elsewhere)  # fmt: skip


def run(names: list[str], mark: str = "gradcheck-probe") -> dict:
    """Run the attempts ``names`` in a child (at the level GRADCHECK_ISOLATION allows): the
    level in force and every outcome."""
    from gradcheck.sandbox.runner import Sandbox

    with tempfile.TemporaryDirectory() as tmp, tempfile.NamedTemporaryFile("w", prefix=f"{mark}-elsewhere-", suffix=".yaml") as other:
        other.write("dW1: dZ1 @ X.T / m\n")
        other.flush()
        os.chmod(other.name, 0o644)
        path = Path(tmp) / "probe_submission.py"
        path.write_text(probe_source(mark, other.name), encoding="utf-8")
        os.chmod(tmp, 0o755)
        with Sandbox(path, timeout=20) as box:
            started = box.start()
            if not started.ok:
                return {"level": box.isolation, "error": str(started.failure), "output": box.output}
            reply = box.call("probe", [list(names)])
            if not reply.ok:
                return {"level": box.isolation, "error": str(reply.failure), "output": box.output}
            items = reply.header["value"]["items"]
            return {"level": box.isolation, "results": {k: v["v"] for k, v in items.items()}, "unavailable": list(box.unavailable)}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ["GRADCHECK_ISOLATION"] = sys.argv[1]
    print(json.dumps(run(sys.argv[2].split(","), sys.argv[3] if len(sys.argv) > 3 else "gradcheck-probe")))
