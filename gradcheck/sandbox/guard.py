"""The child's own limits and its audit hook, before the submission runs: resource limits,
and the hook that refuses process creation, signals, sockets, writes outside the scratch
directory, other processes' /proc entries and (sealing.py) the routes to the child's own code.

Loaded by path by child.py (like wire.py); standard library only.
"""

from __future__ import annotations

import os
import sys


def limits(cfg: dict) -> list[str]:
    """Apply resource limits to this process; return the names of those unavailable."""
    unavailable = []
    try:
        import resource
    except ImportError:
        return ["memory", "processes", "cpu", "file-size"]
    mb = int(cfg.get("memory_mb", 2048))
    cpu = int(cfg.get("cpu_seconds", 300))
    plan = [
        ("memory", getattr(resource, "RLIMIT_AS", None), mb << 20),
        ("processes", getattr(resource, "RLIMIT_NPROC", None), None),
        ("cpu", getattr(resource, "RLIMIT_CPU", None), cpu),
        ("file-size", getattr(resource, "RLIMIT_FSIZE", None), 256 << 20),
        ("core", getattr(resource, "RLIMIT_CORE", None), 0),
    ]
    for name, which, value in plan:
        if which is None:
            unavailable.append(name)
            continue
        try:
            if name == "processes":
                # RLIMIT_NPROC counts the user's processes; it is a backstop to the audit hook.
                soft, hard = resource.getrlimit(which)
                value = int(cfg.get("processes", 64))
                if hard != resource.RLIM_INFINITY:
                    value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            unavailable.append(name)
    if sys.platform == "darwin":
        unavailable.append("memory")  # macOS accepts RLIMIT_AS but does not enforce it
    if os.name == "posix" and os.geteuid() == 0:
        unavailable.append("processes")  # root is exempt from RLIMIT_NPROC; the audit hook still blocks fork
    return sorted(set(unavailable))


_BLOCKED_EVENTS = frozenset(
    {
        "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
        "subprocess.Popen", "os.kill", "os.killpg", "signal.pthread_kill", "pty.spawn",
        "socket.connect", "socket.bind", "socket.sendto", "ctypes.dlopen", "ctypes.dlsym",
        "ctypes.call_function", "ctypes.cdata", "resource.setrlimit", "resource.prlimit",
        "os.startfile", "winreg.OpenKey", "webbrowser.open",
    }
)  # fmt: skip
_PATH_EVENTS = frozenset(
    {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.symlink", "os.link",
     "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move", "os.replace"}
)  # fmt: skip


def _foreign_proc(path: str) -> bool:
    """/proc/<pid>/… of another process (the grader's environment may hold secrets)."""
    parts = os.path.normpath(path).split(os.sep)
    return len(parts) > 2 and parts[1] == "proc" and parts[2] not in ("self", "thread-self", str(os.getpid()))


def install(scratch: str, refusal, gate: list, on_import=None) -> None:
    """The audit hook: the last layer, and the one whose refusals read well (docs/hostile.md).
    ``refusal(event, args, gate)``: sealing.py's routes to the child's own code;
    ``on_import(name)``: told of each import (which line of the submission asks for it)."""
    scratch = os.path.realpath(scratch)
    realpath = os.path.realpath
    sep = os.sep
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

    def inside(path) -> bool:
        if isinstance(path, int):
            return True
        try:
            p = realpath(os.fsdecode(path))
        except Exception:
            return False
        return p == scratch or p.startswith(scratch + sep)

    def hook(event, args):
        why = refusal(event, args, gate)
        if why is not None:
            raise PermissionError("gradcheck: " + why)
        if event in _BLOCKED_EVENTS:
            raise PermissionError(f"gradcheck: '{event}' is not allowed in a graded submission")
        if event == "import" and on_import is not None and args and type(args[0]) is str:
            on_import(args[0])
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if isinstance(path, (str, bytes)) and _foreign_proc(os.fsdecode(path)):
                raise PermissionError("gradcheck: reading other processes' /proc entries is not allowed")
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & write_flags)
            if writing and not inside(path):
                raise PermissionError(f"gradcheck: writing outside the scratch directory is not allowed ({path!r})")
        elif event in _PATH_EVENTS:
            for path in args[:2]:
                if isinstance(path, (str, bytes, os.PathLike)) and not inside(path):
                    raise PermissionError(f"gradcheck: '{event}' outside the scratch directory is not allowed")

    sys.addaudithook(hook)
