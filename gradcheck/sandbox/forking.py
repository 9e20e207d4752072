"""The fork server's loop, in the child's process (child.py's ``zygote`` loads it by path after
loading what every child needs; the grader's side is zygote.py): for each ``fork CWD`` request
with the child's three pipe ends, a fresh child running ``child_main``; for each ``poll PID``,
whether that child has ended. Standard library only; never imports gradcheck.
"""

from __future__ import annotations

import os
import socket


def serve(sock_fd: int, child_main) -> None:
    """Answer the grader on ``sock_fd`` until it goes away (then exit)."""
    sock = socket.socket(fileno=sock_fd)
    statuses: dict[int, str] = {}
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, 4096, 3)
        except OSError:
            os._exit(0)
        if not msg:
            os._exit(0)  # the grader is gone
        text = msg.decode(errors="replace").strip()
        if text.startswith("poll "):
            pid = int(text[5:])
            if pid not in statuses:
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done, status = pid, 9
                if done:
                    statuses[pid] = f"exited {os.waitstatus_to_exitcode(status)}" if os.WIFEXITED(status) else f"signaled {os.WTERMSIG(status) if os.WIFSIGNALED(status) else 9}"
            sock.sendall((statuses.get(pid, "running") + "\n").encode())
            continue
        if not text.startswith("fork ") or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            sock.sendall(b"error bad request\n")
            continue
        cwd = text[5:]
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                os.setsid()  # its own process group, killed as one
                for target, fd in enumerate(fds):
                    os.dup2(fd, target)
                    os.close(fd)
                os.chdir(cwd)
                os.environ["HOME"] = os.environ["TMPDIR"] = cwd
                child_main()
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        _answer_fork(sock, pid)


def _answer_fork(sock, pid: int) -> None:
    """``pid N`` with a pidfd of the child: in a sandbox of its own the server's pid numbers are
    not the grader's, and a pidfd names the process in every namespace (and is never reused)."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        sock.sendall(f"pid {pid}\n".encode())
        return
    try:
        socket.send_fds(sock, [f"pid {pid}\n".encode()], [pidfd])
    finally:
        os.close(pidfd)
