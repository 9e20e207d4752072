"""A fork server for batch grading (Linux): one warm process with numpy imported forks
a fresh child per submission, so each submission still runs in its own process but
skips Python's and numpy's start-up.

The zygote itself never imports or runs student code and installs no audit hook (it must
be able to fork); each forked child sets its own limits, confinement (Landlock, seccomp, uid:
confine.py) and hook before it imports the submission, exactly like a spawned child. It runs
from the child's private copy with the child's import path (no gradcheck). At the namespaces
level every child gets its own namespaces from bubblewrap, so the fork server is not used
(isolation.Plan.forkable).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from . import isolation


def available() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def default() -> Zygote | None:
    """A warm fork server giving its children the same environment a spawned child gets,
    where the platform allows it (Linux) and GRADCHECK_NO_FORK_SERVER is not set; None
    otherwise, or when it cannot start (each child is then spawned)."""
    if not available() or os.environ.get("GRADCHECK_NO_FORK_SERVER"):
        return None
    from .runner import _child_env  # the runner's own policy; imported here, not at load

    try:
        return Zygote(_child_env(tempfile.gettempdir()))
    except OSError:
        return None


class ForkedProcess:
    """The parts of subprocess.Popen the sandbox uses, for a child forked by the zygote."""

    def __init__(self, pid: int, stdin, stdout, stderr, zygote: Zygote) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self._zygote = zygote
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote.status(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("forked child", timeout or 0)
            time.sleep(0.005)
        return self.returncode  # type: ignore[return-value]

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Zygote:
    def __init__(self, env: dict[str, str]) -> None:
        self._home = tempfile.mkdtemp(prefix="gradcheck-zygote-")
        ours, theirs = socket.socketpair()
        self._proc = subprocess.Popen(
            isolation.child_command(("--zygote", str(theirs.fileno()))),
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self._home,
            env=env,
            start_new_session=True,
        )
        theirs.close()
        self._sock = ours
        self._lock = threading.Lock()
        self._file = ours.makefile("rb")

    def _ask(self, text: str, fds: list[int] | None = None) -> str:
        with self._lock:
            if fds:
                socket.send_fds(self._sock, [text.encode() + b"\n"], fds)
            else:
                self._sock.sendall(text.encode() + b"\n")
            line = self._file.readline()
        if not line:
            raise OSError("the fork server is gone")
        return line.decode().strip()

    def spawn(self, cwd: str) -> ForkedProcess:
        r0, w0 = os.pipe()
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        try:
            answer = self._ask(f"fork {cwd}", [r0, w1, w2])
        finally:
            for fd in (r0, w1, w2):
                os.close(fd)
        if not answer.startswith("pid "):
            for fd in (w0, r1, r2):
                os.close(fd)
            raise OSError(f"the fork server refused: {answer}")
        return ForkedProcess(int(answer[4:]), os.fdopen(w0, "wb"), os.fdopen(r1, "rb"), os.fdopen(r2, "rb"), self)

    def status(self, pid: int) -> int | None:
        try:
            answer = self._ask(f"poll {pid}")
        except OSError:
            return -signal.SIGKILL
        if answer == "running":
            return None
        kind, _, value = answer.partition(" ")
        return int(value) if kind == "exited" else -int(value) if kind == "signaled" else -signal.SIGKILL

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._proc.wait(timeout=5)
        import shutil

        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
