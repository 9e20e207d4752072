"""The child isolated by the operating system, at every level this machine has (the others are
skipped with the reason): what it reports, and what it refuses even when the audit hook is
walked around. Run as root and, by re-running a small grading command under setpriv, as an
unprivileged user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from gradcheck.sandbox import isolation, jail

from . import isolation_probe

ROOT = Path(__file__).resolve().parents[2]
HOOKED = ["import_gradcheck", "read_spec", "read_package", "thread", "blas"]  # also at level none
OS_ONLY = ["spawn", "pidfd", "proc_mem", "site_write", "mknod", "socket", "socketpair", "setxattr", "read_elsewhere"]  # the kernel's refusals
LEVELS = list(isolation.LEVELS)


def _skip_unless_available(level: str) -> None:
    why = isolation.available()[level]
    if why:
        pytest.skip(f"{level} is not available here: {why}")


def _check(outcome: dict, level: str) -> None:
    assert "results" in outcome, outcome
    got = outcome["results"]
    assert outcome["level"] == level
    assert got["import_gradcheck"].startswith("denied: ModuleNotFoundError"), got
    assert got["read_spec"].startswith("denied"), got
    assert got["read_package"].startswith("denied"), got
    assert got["thread"] == "ok" and got["blas"] == "ok", got
    viewless = level == "uid-drop" and "file-view" in outcome.get("unavailable", [])  # no chroot here (jail.py)
    for name in OS_ONLY if level != "none" else ():
        if not (viewless and name == "read_elsewhere"):
            assert got[name].startswith("denied"), (name, got[name])
    if level in ("namespaces+seccomp", "uid-drop") and isolation.is_root():
        assert got["uid"] == str(isolation.sandbox_ids()[0])


def _survivors(mark: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if mark.encode() in fh.read():
                    found.append(pid)
        except OSError:
            pass
    return found


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_reports_itself_and_refuses(level, monkeypatch):
    _skip_unless_available(level)
    monkeypatch.setenv("GRADCHECK_ISOLATION", level)
    _check(isolation_probe.run(HOOKED + (OS_ONLY if level != "none" else [])), level)


def test_the_strongest_level_is_the_default(monkeypatch):
    monkeypatch.delenv("GRADCHECK_ISOLATION", raising=False)
    strongest = next(name for name in LEVELS if not isolation.available()[name])
    assert isolation_probe.run(["thread"])["level"] == strongest


def test_an_unknown_level_is_refused(monkeypatch):
    monkeypatch.setenv("GRADCHECK_ISOLATION", "chroot")
    with pytest.raises(ValueError, match="GRADCHECK_ISOLATION"):
        isolation.ceiling()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="processes are looked up in /proc")
@pytest.mark.parametrize("level", LEVELS)
def test_nothing_outlives_the_grading(level, monkeypatch):
    """setsid and a double fork (around the audit hook where the kernel is the one to refuse;
    through os.fork, which the hook refuses, at level none)."""
    _skip_unless_available(level)
    monkeypatch.setenv("GRADCHECK_ISOLATION", level)
    mark = f"gradcheck-survivor-{uuid.uuid4().hex}"
    outcome = isolation_probe.run(["escape" if level != "none" else "fork"], mark)
    got = outcome["results"]
    assert got.get("escape", got.get("fork", "")).startswith("denied"), got
    deadline = time.monotonic() + 2
    while _survivors(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _survivors(mark) == []


def _unprivileged_python() -> str | None:
    """An interpreter of this version that uid 65534 can run with this numpy."""
    if not shutil.which("setpriv"):
        return None
    want = f"{sys.version_info[0]}.{sys.version_info[1]}"
    # CI (.ci/run) makes an environment uid 65534 can run and names it for the hostile corpus.
    shared = os.environ.get("GRADCHECK_HOSTILE_OS_UNPRIVILEGED_PYTHON", "")
    for cand in (shared, isolation.interpreter(), f"/usr/bin/python{want}", f"/usr/local/bin/python{want}"):
        if (
            cand
            and os.path.isfile(cand)
            and isolation._nobody_reads([cand], 65534, 65534)
            and _as_nobody([cand, "-c", "import numpy, yaml"], timeout=60).returncode == 0
        ):
            return cand
    return None


def _as_nobody(argv: list[str], timeout: float) -> subprocess.CompletedProcess:
    site = os.path.dirname(isolation.numpy_dirs()[0])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": f"{ROOT}{os.pathsep}{site}", "HOME": "/tmp"}
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv], env=env, cwd="/tmp",
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


@pytest.mark.skipif(not isolation.is_root(), reason="the grader is not root: this run is the unprivileged one")
@pytest.mark.parametrize("level", LEVELS)
def test_as_an_unprivileged_grader(level):
    """The same refusals with the grader itself running as uid 65534 (a GitHub runner, a laptop)."""
    python = _unprivileged_python()
    if python is None:
        pytest.skip("no interpreter of this version that uid 65534 can run with this numpy (setpriv missing, or it lives under /root)")
    if level == "uid-drop":
        pytest.skip("uid-drop needs a root grader")
    script = ROOT / "tests" / "sandbox" / "isolation_probe.py"
    names = HOOKED + (OS_ONLY if level != "none" else [])
    done = _as_nobody([python, str(script), level, ",".join(names)], timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    if outcome.get("level") != level:  # what a uid-65534 grader can have here may be less than root's
        first = next(name for name in LEVELS[LEVELS.index(level) :] if name != "uid-drop")
        if outcome.get("level") != first:
            pytest.fail(f"asked for {level}, got {outcome.get('level')}: {outcome}")
        pytest.skip(f"{level} is not available to an unprivileged grader here (got {outcome['level']})")
    _check(outcome, level)
    assert outcome["results"]["uid"] == "65534"


def _sandbox_readable_python() -> str | None:
    """An interpreter of a virtual environment with numpy that uid 65534 can read (CI makes one
    from the system's Python: .ci/run), for a root grader at uid-drop when its own is not."""
    cand = os.environ.get("GRADCHECK_HOSTILE_OS_UNPRIVILEGED_PYTHON")
    if not cand or not os.path.isfile(cand):
        return None
    real = os.path.realpath(cand)
    return cand if isolation._nobody_reads([real], *isolation.sandbox_ids()) else None


@pytest.mark.skipif(not isolation.is_root(), reason="uid-drop needs a root grader")
def test_uid_drop_with_an_interpreter_the_sandbox_uid_can_read():
    """uid-drop where this grader's own interpreter is unreadable to uid 65534 (a pyenv under
    /root): a root grader started from an interpreter that uid can read gets the level."""
    if not isolation.available()["uid-drop"]:
        pytest.skip("uid-drop is available to this interpreter: test_each_level_reports_itself_and_refuses runs it")
    python = _sandbox_readable_python()
    if python is None:
        pytest.skip("no interpreter uid 65534 can read: set GRADCHECK_HOSTILE_OS_UNPRIVILEGED_PYTHON (.ci/run makes one)")
    script = ROOT / "tests" / "sandbox" / "isolation_probe.py"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"}
    done = subprocess.run([python, str(script), "uid-drop", ",".join(HOOKED + OS_ONLY)], env=env, cwd="/tmp",
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    _check(outcome, "uid-drop")
    assert outcome["results"]["uid"] == str(isolation.sandbox_ids()[0])
    if not jail.why_not():  # this grader may chroot: the child saw only the view
        assert "file-view" not in outcome["unavailable"], outcome
        assert outcome["results"]["read_elsewhere"].startswith("denied"), outcome


@pytest.mark.parametrize("level", LEVELS)
def test_numpy_submodules_load_at_every_level(level, monkeypatch, tmp_path):
    """numpy's submodules a submission imports later (numpy.testing, numpy.random's
    generators) stay readable where the hook hides site-packages (levels uid-drop and none,
    with numpy in a virtual environment's site-packages)."""
    from gradcheck.sandbox.runner import Sandbox

    _skip_unless_available(level)
    monkeypatch.setenv("GRADCHECK_ISOLATION", level)
    path = tmp_path / "uses_numpy_testing.py"
    path.write_text("import numpy.testing\nimport numpy.polynomial\n\ndef f():\n    return 1.0\n", encoding="utf-8")
    os.chmod(tmp_path, 0o755)
    with Sandbox(path, timeout=20) as box:
        started = box.start()
        assert started.ok, (started.failure, box.output[-500:])
        assert box.isolation == level


def test_the_childs_copy_carries_the_packages_bytecode():
    import importlib.util

    root = Path(isolation.child_dir())
    compiled = [p for p in isolation.HERE.glob("*.py") if (root / p.name).is_file() and Path(importlib.util.cache_from_source(str(p))).is_file()]
    if not compiled:
        pytest.skip("the package has no bytecode here (PYTHONDONTWRITEBYTECODE, or never imported)")
    for src in compiled:
        copy = root / src.name
        assert copy.stat().st_mtime == src.stat().st_mtime  # Python checks the bytecode against the copy's time and size
        cached = Path(importlib.util.cache_from_source(str(copy)))
        assert cached.read_bytes() == Path(importlib.util.cache_from_source(str(src))).read_bytes()
        assert cached.parent.stat().st_mode & 0o005 == 0o005  # readable by the sandbox uid
