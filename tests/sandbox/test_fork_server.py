"""The fork server at the namespaces level (zygote.py): one bubblewrap sandbox for a batch, a
forked child per submission. Two students' children live in one sandbox, so what keeps them
apart is what each child applies to itself after the fork (Landlock, seccomp): an attacker
that knows its sibling's pid, folder and scratch dir, and has patched the audit hook out,
must not read, write, signal, trace or share memory with it, and must still be graded."""

from __future__ import annotations

import os
import signal
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from gradcheck.sandbox import isolation, runner, zygote
from gradcheck.sandbox.runner import Sandbox

SECRET = "the victim's own answer 4417"

VICTIM = textwrap.dedent(
    """
    import os, time

    def where():
        with open("scratch-secret.txt", "w") as fh:
            fh.write(SECRET)
        return {"pid": os.getpid(), "scratch": os.getcwd()}

    def intact():
        with open("scratch-secret.txt") as fh:
            return fh.read() == SECRET

    def hold(seconds):
        time.sleep(seconds)
        return 1.0
    """
).replace("SECRET", repr(SECRET))

ATTACKER = textwrap.dedent(
    """
    import ctypes, fcntl, gc, os, platform, signal, struct, sys

    def _unhook():
        # the child runs without its audit hook here (runner.WITHOUT_AUDIT_HOOK), and this
        # patching finds nothing to patch: what refuses is the kernel
        main = sys.modules["__main__"]
        main._BLOCKED_EVENTS = frozenset()
        main._PATH_EVENTS = frozenset()
        main._foreign_proc = lambda path: False
        for obj in gc.get_objects():
            if type(obj) is type(_unhook) and obj.__name__ == "inside" and obj.__module__ == "__main__":
                for name, cell in zip(obj.__code__.co_freevars, obj.__closure__ or ()):
                    if name in ("scratch", "sep"):
                        cell.cell_contents = ""

    def _try(fn):
        try:
            out = fn()
            return "ok" + ("" if out is None else ": " + str(out)[:80])
        except BaseException as exc:
            return "denied: " + type(exc).__name__

    def _libc_call(name, *args):
        libc = ctypes.CDLL(None, use_errno=True)
        rc = getattr(libc, name)(*args)
        if rc == -1 or (name == "shmat" and rc in (-1, 2**64 - 1)):
            raise OSError(ctypes.get_errno(), name)
        return rc

    def _ioprio_set(pid):
        if platform.machine() != "x86_64":
            raise OSError("not tried on this architecture")
        libc = ctypes.CDLL(None, use_errno=True)
        now = libc.syscall(252, 1, pid)  # ioprio_get(IOPRIO_WHO_PROCESS, pid): set back as it is
        return _libc_call("syscall", 251, 1, pid, max(now, 0))

    def _sigio(pid):
        # SIGIO (here SIGSTOP) to the owner of a pipe: Landlock scopes it from ABI 6 only
        r, w = os.pipe()
        return {
            "f_setown": _try(lambda: fcntl.fcntl(r, fcntl.F_SETOWN, pid)),
            "f_setsig": _try(lambda: fcntl.fcntl(r, 10, signal.SIGSTOP)),
            "f_setown_ex": _try(lambda: fcntl.fcntl(r, 15, struct.pack("ii", 1, pid))),
            "fiosetown": _try(lambda: fcntl.ioctl(r, 0x8901, struct.pack("i", pid))),
        }

    def _scheduling(pid):
        # each set to the value it has (harmless if it works), on the sibling
        return {
            "setpriority": _try(lambda: os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, pid))),
            "setpriority_pgrp": _try(lambda: os.setpriority(os.PRIO_PGRP, 0, os.getpriority(os.PRIO_PGRP, 0))),
            "sched_setaffinity": _try(lambda: os.sched_setaffinity(pid, os.sched_getaffinity(pid))),
            "sched_setscheduler": _try(lambda: os.sched_setscheduler(pid, os.SCHED_OTHER, os.sched_param(0))),
            "sched_setparam": _try(lambda: os.sched_setparam(pid, os.sched_param(0))),
            "ioprio_set": _try(lambda: _ioprio_set(pid)),
        }

    def attack(pid, scratch, folder_file):
        _unhook()
        pid = int(pid)
        home = os.path.dirname(scratch)
        results = {
            "read_sibling_folder": _try(lambda: open(folder_file).read()),
            "list_sibling_scratch": _try(lambda: os.listdir(scratch)),
            "read_sibling_scratch": _try(lambda: open(os.path.join(scratch, "scratch-secret.txt")).read()),
            "write_sibling_scratch": _try(lambda: open(os.path.join(scratch, "scratch-secret.txt"), "w").write("forged")),
            "signal_0": _try(lambda: os.kill(pid, 0)),
            "sigstop": _try(lambda: os.kill(pid, signal.SIGSTOP)),
            "sigkill": _try(lambda: os.kill(pid, signal.SIGKILL)),
            "pidfd": _try(lambda: os.pidfd_open(pid)),
            "ptrace_attach": _try(lambda: _libc_call("ptrace", 16, pid, 0, 0)),
            "shmget": _try(lambda: _libc_call("shmget", 0x4717, 4096, 0o1666)),
            "msgget": _try(lambda: _libc_call("msgget", 0x4717, 0o1666)),
            "shm_open": _try(lambda: open("/dev/shm/gradcheck-sibling", "w").write("x")),
            "fork": _try(lambda: os._exit(0) if os.fork() == 0 else None),
            "chmod_sibling_scratch": _try(lambda: os.chmod(scratch, 0o700)),
            "chmod_home": _try(lambda: os.chmod(home, 0o711)),
            "list_home": _try(lambda: os.listdir(home)),
            "utime_sibling_scratch": _try(lambda: os.utime(scratch)),
            "inotify_init": _try(lambda: _libc_call("inotify_init1", 0)),
            "fanotify_init": _try(lambda: _libc_call("fanotify_init", 0, 0)),
            "dnotify_own_dir": _try(lambda: fcntl.fcntl(os.open(".", os.O_RDONLY), 1026, 0x4)),  # F_NOTIFY, DN_CREATE
            **_sigio(pid),
            **_scheduling(pid),
        }
        results["own_scratch"] = _try(lambda: open("mine.txt", "w").write("fine"))
        results["own_nice"] = _try(lambda: os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0)))
        results["own_affinity"] = _try(lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))
        return results
    """
)


def _fork_server_or_skip(folders: list[Path]) -> zygote.Zygote:
    if isolation.strongest() != "namespaces+seccomp":
        pytest.skip(f"the namespaces level is not available here: {isolation.available()['namespaces+seccomp']}")
    server = zygote.default(folders)
    if server is None or server.server is None:
        pytest.skip("no fork server in a sandbox here (the kernel has no Landlock)")
    return server


@pytest.fixture()
def students(tmp_path):
    os.chmod(tmp_path, 0o755)
    for name, source in (("alice", VICTIM), ("mallory", ATTACKER)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "submission.py").write_text(source, encoding="utf-8")
    (tmp_path / "alice" / "notes.txt").write_text(SECRET, encoding="utf-8")
    return tmp_path


def test_siblings_in_one_sandbox_cannot_reach_each_other(students, monkeypatch):
    monkeypatch.setenv(runner.WITHOUT_AUDIT_HOOK, "1")  # the kernel alone: the audit hook can no longer be patched out
    server = _fork_server_or_skip([students / "alice", students / "mallory"])
    try:
        with Sandbox(students / "alice" / "submission.py", zygote=server, timeout=20) as victim, \
             Sandbox(students / "mallory" / "submission.py", zygote=server, timeout=20) as attacker:  # fmt: skip
            assert victim.start().ok and attacker.start().ok
            assert victim._forked and attacker._forked, "both children are forked from the sandboxed server"
            assert victim.isolation == attacker.isolation == "namespaces+seccomp"
            here = victim.call("where", []).header["value"]["items"]
            pid, scratch = int(here["pid"]["v"]), here["scratch"]["v"]
            reply = attacker.call("attack", [float(pid), scratch, str(students / "alice" / "notes.txt")])
            assert reply.ok, reply.failure
            got = {k: v["v"] for k, v in reply.header["value"]["items"].items()}
            reached = [f"{name}: {outcome}" for name, outcome in got.items() if not name.startswith("own_") and not outcome.startswith("denied")]
            assert not reached, "; ".join(reached)
            assert all(got[own].startswith("ok") for own in ("own_scratch", "own_nice", "own_affinity")), got
            time.sleep(0.2)
            assert victim.proc.poll() is None, "the victim is alive"
            still = victim.call("intact", [])
            assert still.ok and still.header["value"] == {"t": "bool", "v": True}, still.header
            assert victim.call("hold", [0.01]).ok, "and still answers"
    finally:
        server.close()
    assert not os.path.exists(server.home)


def test_a_child_that_cannot_confine_itself_is_spawned_instead(students, monkeypatch):
    """A forked child must apply Landlock and seccomp before the submission loads; one that
    cannot exits, and the submission gets a sandbox of its own (nothing of it ran)."""
    server = _fork_server_or_skip([students / "alice"])
    real_plan = isolation.plan

    def without_landlock(*args, **kwargs):
        planned = real_plan(*args, **kwargs)
        planned.confine["landlock"] = False  # the fork server's child then lacks a layer it requires
        return planned

    monkeypatch.setattr(isolation, "plan", without_landlock)
    try:
        with Sandbox(students / "alice" / "submission.py", zygote=server, timeout=20) as box:
            assert box.start().ok
            assert not box._forked
            assert box.isolation == "namespaces+seccomp"
            assert "Unconfined" not in box.output
            assert box.call("where", []).ok
    finally:
        server.close()


def test_a_folder_the_sandbox_does_not_show_is_spawned_on_its_own(students):
    server = _fork_server_or_skip([students / "mallory"])
    try:
        with Sandbox(students / "alice" / "submission.py", zygote=server, timeout=20) as box:
            assert box.start().ok
            assert not box._forked and box.isolation == "namespaces+seccomp"
    finally:
        server.close()


def test_no_fork_server_where_nothing_could_fork_from_it():
    if isolation.strongest() != "namespaces+seccomp":
        pytest.skip("the namespaces level is not available here")
    assert zygote.default() is None


def test_the_fork_server_needs_landlock_signal_scoping(students, monkeypatch):
    """Below Landlock ABI 6 nothing in Landlock keeps a signal (SIGIO through F_SETOWN among
    others) off a sibling or the server: the batch then spawns each child on its own."""
    if isolation.strongest() != "namespaces+seccomp":
        pytest.skip("the namespaces level is not available here")
    monkeypatch.setattr(isolation.confine, "landlock_abi", lambda: 5)
    assert isolation.fork_server_plan([students / "alice"], str(students)) is None
    assert zygote.default([students / "alice"]) is None


def test_the_graders_folder_stays_the_graders_and_a_locked_one_means_spawning(students, monkeypatch):
    server = _fork_server_or_skip([students / "alice"])
    home = os.stat(server.home)
    assert (home.st_uid, home.st_mode & 0o777) == (os.getuid(), 0o711), "the children can pass through, not list or chmod"
    real_mkdtemp = tempfile.mkdtemp

    def locked(*args, **kwargs):
        if kwargs.get("dir") == server.home:
            raise PermissionError(13, "locked by a submission", server.home)
        return real_mkdtemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkdtemp", locked)
    try:
        with Sandbox(students / "alice" / "submission.py", zygote=server, timeout=20) as box:
            assert box.start().ok, "graded, not GC901"
            assert not box._forked and box.isolation == "namespaces+seccomp"
            assert box.call("where", []).ok
    finally:
        server.close()
    assert not os.path.exists(server.home)


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        here = todo.pop()
        kids = [k for k, parent in parents.items() if parent == here]
        found += kids
        todo += kids
    return found


def test_a_stopped_fork_server_is_killed_and_the_child_spawned(students, monkeypatch):
    """A server that does not answer (here SIGSTOP, as a sibling's SIGIO could once do) must
    not hang the batch: the call times out, the server is killed, the child spawned."""
    monkeypatch.setattr(zygote, "ASK_TIMEOUT", 1.0)
    server = _fork_server_or_skip([students / "alice"])
    assert server.spawn(str(students)).kill() is None  # it answers (and so is up) ...
    stopped = _descendants(server._proc.pid)
    assert stopped, "the server runs under bubblewrap"
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    outcome: dict = {}

    def grade() -> None:
        with Sandbox(students / "alice" / "submission.py", zygote=server, timeout=20) as box:
            outcome["ok"] = box.start().ok and box.call("where", []).ok
            outcome["forked"], outcome["isolation"] = box._forked, box.isolation

    worker = threading.Thread(target=grade, daemon=True)
    try:
        worker.start()
        worker.join(60)
        assert not worker.is_alive(), "the batch hangs on a stopped fork server"
        assert outcome == {"ok": True, "forked": False, "isolation": "namespaces+seccomp"}
        assert server._proc.poll() is not None, "the server was killed"
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except OSError:
                pass
        server.close()


def test_a_batch_regrades_whoever_ran_when_the_server_was_killed(tmp_path, monkeypatch):
    """Killing a server that stopped answering kills the children it forked: the students
    graded at that moment are graded again, each in a sandbox of its own."""
    from gradcheck import batch
    from gradcheck.spec.loader import load_spec

    if isolation.strongest() != "namespaces+seccomp" or isolation.confine.landlock_abi() < isolation.SCOPED_ABI:
        pytest.skip("no fork server in a sandbox here")
    root = Path(__file__).resolve().parents[2]
    spec = load_spec(root / "assignments" / "planar" / "spec.yaml")
    os.chmod(tmp_path, 0o755)
    files = []
    for name in ("alice", "bob"):
        (tmp_path / name).mkdir()
        files.append(tmp_path / name / "planar.py")
        files[-1].write_text((root / "examples" / "planar" / "correct.py").read_text(encoding="utf-8"), encoding="utf-8")
    real_grade, calls = batch.grade, []

    def grade(spec, path, **kwargs):
        server = kwargs.get("zygote")
        calls.append((Path(path).parent.name, server is not None and not server.stopped))
        report = real_grade(spec, path, **kwargs)
        if Path(path).parent.name == "alice" and server is not None and not server.stopped:
            server._stop()  # as a timed-out request does (Zygote._ask), while alice's child runs
        return report

    monkeypatch.setattr(batch, "grade", grade)
    rows = batch.grade_all(spec, files, seed=0, limits=spec.limits, jobs=1)
    assert calls == [("alice", True), ("alice", False), ("bob", False)]
    assert [row.passed for row in rows] == [True, True]
