"""Run one grader command and account for everything it leaves behind (Linux only).

    python _supervise.py RESULT.json WALL_SECONDS AS_BYTES STDOUT STDERR -- COMMAND...

This process makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so every
process the grader or its child starts, however it detaches (setsid, double fork), is
re-parented here when its parent dies instead of to init. It starts COMMAND in a new
session (so a submission that signals "the grader's process group" reaches only the
grader) with RLIMIT_AS = AS_BYTES, stdout and stderr to files (an escaped process holding
them cannot block anyone), waits at most WALL_SECONDS, then records:

    returncode   the grader's exit status (negative: killed by that signal); None if hung
    hung         true when the wall-clock limit ran out (the grader was then killed)
    seconds      wall time
    maxrss_kb    peak resident memory of the grader and what it waited for (wait4)
    survivors    processes still alive under this one after the grader ended (and a grace
                 period for the kernel to finish kills in flight): pid, ppid, sid, state,
                 command line

Survivors are then sent SIGCONT and SIGKILL by pid (only descendants of this process,
which only the harness starts) and reaped.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
GRACE = 1.5  # seconds for processes already being killed to disappear


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(ppid, state, session id) of ``pid``, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), fields[0].decode(), int(fields[3])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()[:300]
    except OSError:
        return ""


def descendants(root: int) -> dict[int, tuple[int, str, int]]:
    """Every live (not zombie) process below ``root``."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = _stat(int(name))
            if info is not None:
                table[int(name)] = info
    found, frontier = {}, {root}
    while frontier:
        nxt = {pid for pid, (ppid, _, _) in table.items() if ppid in frontier and pid not in found}
        for pid in nxt:
            found[pid] = table[pid]
        frontier = nxt
    return {pid: info for pid, info in found.items() if info[1] not in ("Z", "X")}


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main(argv: list[str]) -> int:
    result_path, wall, as_bytes, out_path, err_path = argv[:5]
    command = argv[argv.index("--") + 1 :]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    limit = int(as_bytes)

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    me = os.getpid()
    started = time.monotonic()
    with open(out_path, "rb+") as out, open(err_path, "rb+") as err:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True, preexec_fn=limits)  # fmt: skip
    deadline = started + float(wall)
    ended = False
    while not ended and time.monotonic() < deadline:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        ended = pid == proc.pid
        if not ended:
            time.sleep(0.01)
    hung = not ended
    if hung:  # stopped or blocked: SIGCONT so that SIGKILL is delivered at once
        for sig in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        _, status, rusage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    grace_end = time.monotonic() + GRACE
    left = descendants(me)
    while left and time.monotonic() < grace_end:
        reap()
        time.sleep(0.05)
        left = descendants(me)
    survivors = [{"pid": pid, "ppid": ppid, "sid": sid, "state": state, "cmdline": _cmdline(pid)}
                 for pid, (ppid, state, sid) in sorted(left.items())]  # fmt: skip
    for _ in range(3):  # kill what is left (by pid: only our own descendants), then reap it
        for pid in left:
            for sig in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        time.sleep(0.05)
        reap()
        left = descendants(me)
        if not left:
            break
    result = {
        "returncode": None if hung else os.waitstatus_to_exitcode(status),
        "hung": hung,
        "seconds": round(seconds, 3),
        "maxrss_kb": rusage.ru_maxrss,
        "survivors": survivors,
        "not_killed": sorted(left),
    }
    with open(result_path, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
