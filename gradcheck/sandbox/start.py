"""How the grader starts a child process: its environment, the process itself, and the early
start of the command line's child.

``early(path)``: ``gradcheck FILE.py`` starts the child (bubblewrap, Python, numpy: 0.1 to 0.2 s)
as its very first step, while the grader imports its own modules and reads the spec; the
grading takes it over (``take``) when it is exactly what it would start then (same folder,
same view: a spec's folder that must be hidden inside it changes the view, and then the early
child is ended unused). The early child runs nothing of the submission until the grader's
first frames arrive.
"""

from __future__ import annotations

import atexit
import functools
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from . import isolation, trees


def child_env(scratch: str) -> dict[str, str]:
    # One BLAS thread: OpenBLAS's workers spin between calls, and on two cores they take the
    # grader's core (measured: a cat-size check 240 ms with one thread, 340 ms with two).
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": scratch,
        "TMPDIR": scratch,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        # glibc: serve big arrays from the heap and keep freed memory, so the child does not
        # page-fault through every new 20 MB array of a cat-size network.
        "MALLOC_MMAP_THRESHOLD_": str(1 << 30),
        "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
        "MALLOC_TOP_PAD_": str(64 << 20),
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SYSTEMROOT", "LANG"):
        if key in os.environ:  # OpenBLAS needs these on some CPUs; Windows needs SYSTEMROOT
            env[key] = os.environ[key]
    return env


PIPE_BYTES = 1 << 20  # Linux's default cap for an unprivileged process (/proc/sys/fs/pipe-max-size)


def widen_pipe(fd: int) -> None:
    """Give a pipe 1 MiB instead of 64 KiB: a 20 MB X then crosses in 7 ms, not 19, with
    sixteen times fewer wake-ups. Linux only; elsewhere (or when refused) nothing changes."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (ImportError, OSError, ValueError):
        pass



def popen(plan: isolation.Plan, scratch: str) -> subprocess.Popen:
    """The child's process as ``plan`` says, in its own process group (one group to kill)."""
    kwargs: dict = dict(plan.popen)
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    return subprocess.Popen(plan.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=scratch,
                            env=child_env(scratch), **kwargs)  # fmt: skip


@functools.lru_cache(maxsize=8)
def helpers_source(path: Path) -> str | None:
    """A spec's helpers file, sent to the child with the import request; None when it cannot
    be read (the child then tries the path itself, and its failure is the import's)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


_EARLY: dict[str, tuple[subprocess.Popen, str, isolation.Plan]] = {}


def early(path: Path) -> None:
    """Start the child for the submission at ``path`` now (see the module's docstring)."""
    if _EARLY:
        return
    folder = str(Path(path).resolve().parent)
    scratch = tempfile.mkdtemp(prefix="gradcheck-", dir=isolation.scratch_home())
    try:
        planned = isolation.plan(Path(folder), scratch)
        if planned.owner is not None:
            os.chown(scratch, *planned.owner)
        proc = popen(planned, scratch)
    except (OSError, ValueError, subprocess.SubprocessError):
        trees.remove(scratch)
        return
    _EARLY[folder] = (proc, scratch, planned)


def take(folder: Path, helpers: Path | None) -> tuple[subprocess.Popen, str, isolation.Plan] | None:
    """The early child for ``folder`` when it still waits and was started as ``isolation.plan``
    would start it now; else None (an early child that does not fit is ended)."""
    if not _EARLY:
        return None
    key = str(Path(folder).resolve())
    got = _EARLY.pop(key, None)
    if got is None:
        return None
    proc, scratch, planned = got
    fresh = isolation.plan(Path(key), scratch, helpers)
    # What the process was started with (its sandbox's mounts, its user); what it applies to
    # itself comes with the first frame, from the fresh plan.
    if proc.poll() is None and (fresh.level, fresh.argv, fresh.popen, fresh.owner) == (planned.level, planned.argv, planned.popen, planned.owner):
        return proc, scratch, fresh
    _end(proc, scratch)
    return None


def _end(proc: subprocess.Popen, scratch: str) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        try:
            stream.close()  # type: ignore[union-attr]
        except OSError:
            pass
    trees.remove(scratch)


@atexit.register
def _end_unused() -> None:
    while _EARLY:
        _key, (proc, scratch, _plan) = _EARLY.popitem()
        _end(proc, scratch)
