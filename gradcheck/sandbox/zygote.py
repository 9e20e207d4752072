"""A fork server for batch grading (Linux): one warm process with numpy imported forks
a fresh child per submission, so each submission still runs in its own process but
skips Python's and numpy's start-up.

The zygote itself never imports or runs student code and installs no audit hook (it must
be able to fork); each forked child sets its own limits, confinement (Landlock, seccomp, uid:
confine.py) and hook before it imports the submission, exactly like a spawned child. It runs
from the child's private copy with the child's import path (no gradcheck).

At the namespaces level the zygote runs inside one bubblewrap sandbox
(``isolation.fork_server_plan``) that sees the batch's submission folders read-only and a
folder for the children's scratch dirs; each forked child then confines itself to its own
folder and scratch dir with Landlock (signals scoped: ABI ≥ 6) and applies the seccomp
filter (no process creation, no signal but to itself, no ptrace, no System V IPC, no chmod or
inotify, no F_SETOWN, no scheduling of another process), and must manage both or exits before
the submission loads (``confine.Unconfined``): that is what keeps two students' children
apart in the one sandbox. The server's folder stays the grader's (0711); a server that does
not answer within ASK_TIMEOUT is killed and the children are spawned. A child whose folder the sandbox does not show is spawned in a
sandbox of its own, as without a fork server. The server answers each fork with a pidfd:
its pid numbers are not the grader's.
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
from pathlib import Path

from . import isolation, trees


def available() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def default(folders: list[Path] | None = None, helpers: Path | None = None) -> Zygote | None:
    """A warm fork server giving its children the same environment a spawned child gets,
    where the platform allows it (Linux) and GRADCHECK_NO_FORK_SERVER is not set; None
    otherwise, or when it cannot start (each child is then spawned). At the namespaces level
    it serves the submissions in ``folders`` (the spec's ``helpers`` hidden), and without
    folders there is none: nothing could fork from it."""
    if not available() or os.environ.get("GRADCHECK_NO_FORK_SERVER"):
        return None
    from .start import child_env  # the runner's own policy

    server = None
    home = tempfile.mkdtemp(prefix="gradcheck-zygote-")
    try:
        if isolation.strongest() == "namespaces+seccomp":
            server = isolation.fork_server_plan(folders or [], home, helpers) if folders else None
            if server is None:
                raise OSError("no fork server at this level")
            # The grader keeps its folder: the children pass through it (0711) to the scratch
            # dirs the grader makes there and chowns to them, but can neither list nor change it.
            os.chmod(home, 0o711)
        return Zygote(child_env(tempfile.gettempdir()), server, home)
    except (OSError, ValueError):
        trees.remove(home)
        return None


def _host_pid(pidfd: int) -> int | None:
    """The pid a pidfd names, in this process's namespace (/proc's fdinfo), or None."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Pid:"):
                    pid = int(line.split()[1])
                    return pid if pid > 0 else None
    except (OSError, ValueError, IndexError):
        pass
    return None


class ForkedProcess:
    """The parts of subprocess.Popen the sandbox uses, for a child forked by the zygote.
    ``pid`` is the grader's own number for it; ``pidfd`` (when there is one) is what signals
    it, so a number reused after its end is never hit."""

    def __init__(self, pid: int, stdin, stdout, stderr, zygote: Zygote, server_pid: int | None = None, pidfd: int | None = None) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self._zygote = zygote
        self._server_pid = pid if server_pid is None else server_pid  # the number the zygote knows it by
        self._pidfd = pidfd
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and self._alive_by_pidfd():
            return None  # running: no round trip to the fork server (two per request otherwise)
        if self.returncode is None:
            self.returncode = self._zygote.status(self._server_pid)
            if self.returncode is not None:
                self._release()
        return self.returncode

    def _alive_by_pidfd(self) -> bool:
        """A pidfd turns readable when its process ends: not readable, the child is running
        (the server would say so). Any doubt (no pidfd, the server gone) asks the server."""
        if self._pidfd is None or self._zygote.stopped:
            return False
        try:
            import select

            return not select.select([self._pidfd], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("forked child", timeout or 0)
            time.sleep(0.005)
        return self.returncode  # type: ignore[return-value]

    def kill(self) -> None:
        try:
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            elif self.returncode is None:
                os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def _release(self) -> None:
        fd, self._pidfd = self._pidfd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        self._release()


ASK_TIMEOUT = 15.0  # seconds for one answer; a server that is stopped or stuck is killed


class Zygote:
    """``server``: the sandbox it runs in (isolation.fork_server_plan), or None (levels below
    namespaces, where each child confines itself as a spawned one does); ``home``: its
    working folder, where the children's scratch dirs are made when it has a sandbox."""

    def __init__(self, env: dict[str, str], server: isolation.Plan | None = None, home: str | None = None) -> None:
        self.home = home or tempfile.mkdtemp(prefix="gradcheck-zygote-")
        self.server = server
        self.level = server.level if server is not None else None
        ours, theirs = socket.socketpair()
        command = isolation.child_command(("--zygote", str(theirs.fileno())))
        try:
            self._proc = subprocess.Popen(
                [*server.argv, *command] if server is not None else command,
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self.home,
                env=env,
                start_new_session=True,
                **(server.popen if server is not None else {}),
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._sock = ours
        self._sock.settimeout(ASK_TIMEOUT)
        self._lock = threading.Lock()
        self._pending = b""

    def covers(self, folder: Path) -> bool:
        """Whether a child for ``folder`` can be forked inside this server's sandbox."""
        return self.server is not None and isolation.covers(self.server, folder)

    def _ask(self, text: str, fds: list[int] | None = None) -> tuple[str, list[int]]:
        """One request, its one-line answer and the fds that came with it. A server that does
        not answer in ASK_TIMEOUT (stopped, or stuck) is killed: every later child is spawned."""
        got: list[int] = []
        with self._lock:
            try:
                return self._exchange(text, fds, got)
            except TimeoutError:
                for fd in got:
                    os.close(fd)
                self._stop()
                raise OSError("the fork server did not answer") from None

    def _exchange(self, text: str, fds: list[int] | None, got: list[int]) -> tuple[str, list[int]]:
        if self.stopped:
            raise OSError("the fork server is gone")
        if fds:
            socket.send_fds(self._sock, [text.encode() + b"\n"], fds)
        else:
            self._sock.sendall(text.encode() + b"\n")
        while b"\n" not in self._pending:
            data, more, _flags, _addr = socket.recv_fds(self._sock, 4096, 4)
            got += more
            if not data:
                for fd in got:
                    os.close(fd)
                raise OSError("the fork server is gone")
            self._pending += data
        line, _, self._pending = self._pending.partition(b"\n")
        return line.decode(errors="replace").strip(), got

    def spawn(self, cwd: str) -> ForkedProcess:
        r0, w0 = os.pipe()
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        try:
            answer, fds = self._ask(f"fork {cwd}", [r0, w1, w2])
        except BaseException:
            for fd in (w0, r1, r2):
                os.close(fd)
            raise
        finally:
            for fd in (r0, w1, w2):
                os.close(fd)
        pidfd = fds[0] if fds else None
        for fd in fds[1:]:
            os.close(fd)
        pid = _host_pid(pidfd) if pidfd is not None else None
        if not answer.startswith("pid ") or (pid is None and self.server is not None):
            for fd in (w0, r1, r2, *([pidfd] if pidfd is not None else [])):
                os.close(fd)  # the child reads the end of its input and exits
            raise OSError(f"the fork server refused: {answer}")
        own = int(answer[4:])
        return ForkedProcess(own if pid is None else pid, os.fdopen(w0, "wb"), os.fdopen(r1, "rb"), os.fdopen(r2, "rb"), self, own, pidfd)

    def status(self, pid: int) -> int | None:
        try:
            answer, fds = self._ask(f"poll {pid}")
        except OSError:
            return -signal.SIGKILL
        for fd in fds:
            os.close(fd)
        if answer == "running":
            return None
        kind, _, value = answer.partition(" ")
        return int(value) if kind == "exited" else -int(value) if kind == "signaled" else -signal.SIGKILL

    @property
    def stopped(self) -> bool:
        """Whether the server was killed or closed: the children it forked are gone with it."""
        return self._sock.fileno() < 0

    def _stop(self) -> None:
        """The server and its sandbox end at once (a stopped process is killed too)."""
        try:
            self._sock.close()
        except OSError:
            pass
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._proc.wait(timeout=5)

    def close(self) -> None:
        self._stop()
        try:
            os.chmod(self.home, 0o700)  # the grader's own folder, whatever was done to it
        except OSError:
            pass
        trees.remove(self.home)

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
