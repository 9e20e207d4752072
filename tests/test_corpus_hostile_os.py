"""Hostile submissions that attack the grader from the child process (issue 17).

Each case of tests/corpus/hostile_os/ is graded by the CLI in a subprocess, as CI runs it
(`gradcheck FILE -a planar --format json --output …`), under a supervisor that makes
itself a child subreaper, so that no process the submission starts can detach from the
run unseen (see tests/corpus/hostile_os/_supervise.py). The run must end in a failed
grade with the expected finding, and leave nothing behind: see the manifest's header for
the full list of checks.

Users: as root, every case runs twice — as root, and as an unprivileged user
(``setpriv --reuid=65534 --regid=65534 --clear-groups``, the temporary folder owned by
that user). As another user, the unprivileged run is that user and the root run is
skipped. ``GRADCHECK_HOSTILE_OS_USERS=root`` (or ``unprivileged``) picks one. The
unprivileged user must be able to run the interpreter: when this one lives where it
cannot (a pyenv under /root), ``GRADCHECK_HOSTILE_OS_UNPRIVILEGED_PYTHON`` names the
interpreter of another virtual environment with gradcheck installed; otherwise those runs
are skipped.
Levels (docs/hostile.md, "Threat model"): every case runs at the strongest isolation level
the grader finds (as both users); five quick cases of the classes only the kernel stops
(``REPRESENTATIVE``) run again at each weaker level, capped with ``GRADCHECK_ISOLATION``:
``landlock+seccomp``, ``uid-drop`` (root only; when uid 65534 cannot read this interpreter,
the root run uses the unprivileged interpreter below, which it can); at ``none`` only a
smoke test (``SMOKE``, first user only) of the classes the grader itself holds whatever the
isolation (``GRADER_SIDE``: encoding, frames, amplification, steering). A level the grader cannot have for that user is skipped with the
reason, never passed; a report naming another level than the one asked for fails.
``GRADCHECK_HOSTILE_OS_LEVELS=all`` runs every case at every level (slow: the table of
docs/hostile.md), ``strongest`` only the first set.
``GRADCHECK_HOSTILE_OS_RECORD=FILE`` appends one JSON line per run (the case, the user,
the exit code, the findings, the report's ``isolation`` field when there is one, and
every problem found) — the source of the table in docs/hostile.md.

Safety: the cases attack their parent process, which is the grader this harness starts
(and only that one). They run only with the interpreter of a virtual environment, so a
file written into site-packages lands in that throw-away venv; the harness removes what
the corpus is known to write there, and every process left behind is killed by pid.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .conftest import CORPUS, manifest

HERE = CORPUS / "hostile_os"
SUPERVISOR = HERE / "_supervise.py"
CASES = manifest("hostile_os")
NOBODY = 65534
MEMORY_MB = 256  # the child's cap (--memory-mb)
BUDGET_KB = 2 * MEMORY_MB * 1024  # the grader's peak memory may be at most 2 x the child's cap
GRADER_AS = 4 << 30  # a hard ceiling on the grader's address space: this machine is shared
TIMEOUT, TOTAL_TIMEOUT = 3, 10  # per call, per submission (CLI flags)
WALL = 15  # the supervisor's limit for the whole grader run: more is a hang
SECRET_VAR = "GRADCHECK_HOSTILE_OS_SECRET"
UNPRIVILEGED_PYTHON = "GRADCHECK_HOSTILE_OS_UNPRIVILEGED_PYTHON"
PLANTED = ("gc_hostile_os",)  # the prefix of every file name the corpus tries to plant


def _users() -> list[str]:
    wanted = os.environ.get("GRADCHECK_HOSTILE_OS_USERS", "root,unprivileged")
    return [u.strip() for u in wanted.split(",") if u.strip()]


STRONGEST = "strongest"  # no GRADCHECK_ISOLATION: what the grader finds by itself
WEAKER = ("landlock+seccomp", "uid-drop", "none")
# Quick cases of the classes only the kernel stops (process creation, signals, /proc paths,
# writes outside, the reference), run again at each weaker level; GRADCHECK_HOSTILE_OS_LEVELS=all
# runs every case (the default suite stays near four minutes on two loaded cores).
REPRESENTATIVE = frozenset({
    "proc_subprocess_popen.py", "signal_pidfd_sigkill.py", "procpath_self_root_environ.py", "write_pth_site_packages.py",
    "ref_spec_walk_root.py",
})  # fmt: skip
GRADER_SIDE = frozenset({"encoding", "frames", "amplification", "assignment-steering"})  # hold at level none too
SMOKE = frozenset({"frame_shape_2_70.py", "steer_hidden_compute_cost.py"})


def _levels(case: dict, user: str) -> list[str]:
    wanted = os.environ.get("GRADCHECK_HOSTILE_OS_LEVELS", "representative").strip().lower()
    if wanted == "strongest":
        return [STRONGEST]
    out = [STRONGEST]
    for level in WEAKER:
        if level == "none":  # no guarantee at level none: only what the grader itself holds is asserted
            if case["class"] in GRADER_SIDE and (wanted == "all" or (case["file"] in SMOKE and user == _users()[0])):
                out.append(level)
        elif wanted == "all" or case["file"] in REPRESENTATIVE:
            out.append(level)
    return out


def _xfail(case: dict, user: str, level: str) -> pytest.MarkDecorator | None:
    """Strict for what fails everywhere today; not strict for a weaker level's limit, whose
    outcome depends on the machine (what world-readable copies of the specs it holds)."""
    reason = case.get("xfail")
    if isinstance(reason, dict):
        reason = reason.get(user)
    if reason:
        return pytest.mark.xfail(reason=reason, strict=True)
    limit = (case.get("xfail_levels") or {}).get(level)
    return pytest.mark.xfail(reason=f"a limit of {level}: {limit}", strict=False) if limit else None


def _params() -> list:
    out = []
    for case in CASES:
        for user in _users():
            for level in _levels(case, user):
                mark = _xfail(case, user, level)
                marks = [mark] if mark else []
                if case.get("slow"):
                    marks.append(pytest.mark.slow)
                name = f"{case['file']}-{user}" + ("" if level == STRONGEST else f"-{level}")
                out.append(pytest.param(case, user, level, id=name, marks=marks))
    return out


def _drop() -> list[str]:
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _interpreter(user: str) -> tuple[str, Path]:
    """The interpreter the grader runs with as ``user`` and its site-packages, or a skip."""
    found = _probe(user)
    if isinstance(found, str):
        pytest.skip(found)
    return found


def _probe(user: str) -> tuple[str, Path] | str:
    """(interpreter, site-packages), or why ``user`` cannot run the corpus."""
    if not sys.platform.startswith("linux"):
        return "the supervisor needs Linux (/proc, PR_SET_CHILD_SUBREAPER)"
    if user == "root" and os.geteuid() != 0:
        return "not running as root"
    python = sys.executable
    if user == "unprivileged" and os.geteuid() == 0:
        if not shutil.which("setpriv"):
            return "setpriv is not installed: cannot drop to an unprivileged user"
        python = os.environ.get(UNPRIVILEGED_PYTHON, sys.executable)
    return _probe_python(user, python)


@functools.cache
def _probe_python(user: str, python: str) -> tuple[str, Path] | str:
    """(interpreter, site-packages), or why ``user`` cannot run ``python``: it cannot, or
    it is not a virtual environment's (a case writes into site-packages: never let it reach a
    system installation)."""
    prefix = _drop() if user == "unprivileged" and os.geteuid() == 0 else []
    # The grader must be able to start the interpreter again itself (setpriv may still hold
    # the capabilities to start it when the user alone cannot reach it).
    probe = ("import json, subprocess, sys, sysconfig, numpy, gradcheck; "
             "subprocess.run([sys.executable, '-I', '-c', 'import numpy'], check=True); "
             "print(json.dumps([sys.prefix != sys.base_prefix, sysconfig.get_paths()['purelib']]))")  # fmt: skip
    done = subprocess.run([*prefix, python, "-c", probe], cwd="/", capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"{user} cannot run {python} with gradcheck ({last}); set {UNPRIVILEGED_PYTHON}"
    in_venv, purelib = json.loads(done.stdout)
    if not in_venv:
        return f"{python} is not a virtual environment's: a case writes into site-packages"
    return python, Path(purelib)


def _level_interpreter(user: str, level: str) -> tuple[str, Path]:
    """The interpreter for ``user`` at ``level``, or a skip naming why that level is not
    available to that user here. uid-drop as root needs an interpreter uid 65534 can read: when
    this one is not, the unprivileged user's interpreter is used by root."""
    python, purelib = _interpreter(user)
    if level == STRONGEST:
        return python, purelib
    why = _available(user, python).get(level, f"unknown level {level}")
    if why and level == "uid-drop" and user == "root" and os.environ.get(UNPRIVILEGED_PYTHON):
        other = os.environ[UNPRIVILEGED_PYTHON]
        if not _available(user, other).get(level):
            found = _probe_python("root", other)
            if not isinstance(found, str):
                return found
    if why:
        pytest.skip(f"{level} is not available to {user} here: {why}")
    return python, purelib


@functools.cache
def _available(user: str, python: str) -> dict[str, str]:
    """isolation.available() as ``user`` sees it with ``python`` ('' = available, else why not)."""
    prefix = _drop() if user == "unprivileged" and os.geteuid() == 0 else []
    code = "import json; from gradcheck.sandbox import isolation; print(json.dumps(isolation.available()))"
    done = subprocess.run([*prefix, python, "-c", code], cwd="/", capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {level: f"cannot ask {python} ({last})" for level in WEAKER}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _tree(folder: Path) -> set[str]:
    """Every path under ``folder`` (relative), without following symlinks."""
    out = set()
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            out.add(os.path.relpath(os.path.join(root, name), folder))
    return out


def _xattrs(path: Path) -> dict:
    try:
        return {k: os.getxattr(path, k) for k in os.listxattr(path)}
    except OSError:
        return {}


def _chown_tree(folder: Path, uid: int) -> None:
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, uid)
    os.chown(folder, uid, uid)


def _injected_lines(text: str, marker: str) -> list[str]:
    """Lines that a GitHub runner would read as a workflow command carrying ``marker``
    unescaped: the command itself, not gradcheck's own annotation quoting the text."""
    bad = []
    for line in text.splitlines():
        if line.startswith("::"):
            command = line[2:].split("::", 1)[0]
            if marker in command or line.startswith(("::add-mask::" + marker, "::stop-commands::")):
                bad.append(line[:200])
    return bad


def _site_changes(purelib: Path, before: set[str]) -> list[str]:
    """What changed in site-packages; what the corpus is known to plant is removed."""
    changed = sorted(set(os.listdir(purelib)) ^ before)
    for name in changed:
        path = purelib / name
        if name.startswith(PLANTED) and name not in before:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return changed


def _record(entry: dict) -> None:
    target = os.environ.get("GRADCHECK_HOSTILE_OS_RECORD")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")


class Run:
    """One grader run of one case as one user, and everything it left."""

    def __init__(self, case: dict, user: str, level: str = STRONGEST) -> None:
        self.case, self.user, self.level = case, user, level
        self.python, self.purelib = _level_interpreter(user, level)
        self.drop = user == "unprivileged" and os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="gc-hostile-os-"))
        self.work, self.out, self.sub, self.tmp = (self.root / n for n in ("work", "out", "sub", "tmp"))
        for folder in (self.work, self.out, self.sub, self.tmp):
            folder.mkdir()
        self.work.chmod(0o755)
        self.root.chmod(0o755)
        self.file = self.sub / case["file"]
        shutil.copyfile(HERE / case["file"], self.file)
        self.report = self.out / "report.json"
        self.stdout, self.stderr, self.result = (self.root / n for n in ("stdout", "stderr", "supervisor.json"))
        for f in (self.stdout, self.stderr):
            f.touch()
        if self.drop:
            _chown_tree(self.root, NOBODY)
        self.secret = "gc-secret-" + secrets.token_hex(8)

    def command(self) -> list[str]:
        cmd = [self.python, "-m", "gradcheck", "check", str(self.file)]
        if self.case.get("pinned", True):
            cmd += ["-a", "planar"]
        cmd += ["--format", "json", "--output", str(self.report), "--timeout", str(TIMEOUT),
                "--total-timeout", str(TOTAL_TIMEOUT), "--memory-mb", str(MEMORY_MB)]  # fmt: skip
        if self.drop:
            cmd = [*_drop(), *cmd]
        return cmd

    def env(self) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.work),
            "XDG_CACHE_HOME": str(self.root / "cache"),  # the grader's own cache (spec/cache.py): not the student's doing
            "TMPDIR": str(self.tmp),  # the child's scratch directories are made here
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
            SECRET_VAR: self.secret,  # what a leak of the grader's environment would show
        }
        env.update({str(k): str(v) for k, v in (self.case.get("env") or {}).items()})
        if self.level != STRONGEST:
            env["GRADCHECK_ISOLATION"] = self.level
        return env

    def run(self) -> dict:
        wall = WALL
        self.mode_before = stat.S_IMODE(self.work.stat().st_mode)
        self.xattrs_before = _xattrs(self.work)
        self.site_before = set(os.listdir(self.purelib))
        self.sub_before = _tree(self.sub)
        argv = [sys.executable, str(SUPERVISOR), str(self.result), str(wall), str(GRADER_AS),
                str(self.stdout), str(self.stderr), "--", *self.command()]  # fmt: skip
        started = time.monotonic()
        subprocess.run(argv, cwd=self.work, env=self.env(), timeout=wall + 60, check=True)
        self.seconds = time.monotonic() - started
        return json.loads(self.result.read_text(encoding="utf-8"))

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _read(path: Path) -> tuple[str | None, str | None]:
    """(text, problem): the file as UTF-8, or why it is not."""
    try:
        return path.read_bytes().decode("utf-8"), None
    except FileNotFoundError:
        return None, "missing"
    except IsADirectoryError:
        return None, "a directory"
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 ({exc})"


def _check(run: Run, sup: dict) -> tuple[list[str], dict | None]:
    """Every way the run went wrong, and the report (when there is one)."""
    case, problems = run.case, []
    code = sup["returncode"]
    if sup["hung"]:
        problems.append(f"the grader hung: no exit within the wall-clock limit ({sup['seconds']:.0f} s)")
    elif code is not None and code < 0:
        problems.append(f"the grader was killed by signal {-code}")
    elif code == 2 and case.get("usage_error_ok"):
        pass  # checked below: the message must ask for --assignment
    elif code != 1:
        problems.append(f"exit code {code}, expected 1 (a failed grade)")
    stdout, stdout_problem = _read(run.stdout)
    stderr, stderr_problem = _read(run.stderr)
    if stderr_problem:
        problems.append(f"stderr is {stderr_problem}")
    if stderr and "Traceback (most recent call last)" in stderr:
        problems.append("a traceback on stderr: " + stderr.strip().splitlines()[-1][:200])
    data = None
    usage_error = code == 2 and case.get("usage_error_ok")
    if usage_error and "--assignment" not in (stderr or "") + (stdout or ""):
        problems.append("a usage error that does not ask for --assignment")
    if not usage_error:
        text, problem = _read(run.report)
        if problem:
            problems.append(f"the --output report is {problem}")
        else:
            try:
                data = json.loads(text)
            except ValueError as exc:
                problems.append(f"the --output report is not JSON ({exc})")
        if data is not None and run.level != STRONGEST and data.get("isolation") != run.level:
            problems.append(f"asked for isolation {run.level}, the report says {data.get('isolation')!r}")
        if data is not None:
            codes = [f.get("code") for f in data.get("findings", []) if isinstance(f, dict)]
            if data.get("passed") is not False:
                problems.append(f"the report says passed={data.get('passed')!r}")
            if not set(codes) & set(case["codes"]):
                problems.append(f"none of {case['codes']} among the findings {codes}")
            if "GC901" in codes:
                problems.append("GC901: gradcheck itself failed")
            try:
                if stdout_problem or json.loads(stdout or "") != data:
                    problems.append("stdout is not the same JSON report as --output")
            except ValueError:
                problems.append("stdout is not one JSON document")
    if any(run.secret in t for t in (stdout or "", stderr or "", _read(run.report)[0] or "")):
        problems.append("the grader's environment leaked into its output")
    if case.get("injected"):
        lines = _injected_lines((stdout or "") + "\n" + (stderr or ""), case["injected"])
        if lines:
            problems.append(f"workflow commands injected: {lines[:3]}")
    if sup["survivors"]:
        problems.append("processes outlived the grading: " + "; ".join(
            f"{s['pid']} ({s['state']}, sid {s['sid']}) {s['cmdline'][:80]}" for s in sup["survivors"]))  # fmt: skip
    if sup["maxrss_kb"] > BUDGET_KB:
        problems.append(f"peak memory {sup['maxrss_kb'] // 1024} MiB > 2 x the child's cap ({BUDGET_KB // 1024} MiB)")
    problems += _files_problems(run)
    return problems, data


def _files_problems(run: Run) -> list[str]:
    problems = []
    changed = _site_changes(run.purelib, run.site_before)
    if changed:
        problems.append(f"site-packages changed: {changed}")
    for p in run.case.get("must_not_create", []):
        path = Path(p.replace("{purelib}", str(run.purelib)))
        if path.exists() or path.is_symlink():
            problems.append(f"{path} was created")
            path.unlink(missing_ok=True)
    try:
        work = sorted(_tree(run.work))
    except OSError as exc:
        work = [f"<unreadable: {exc}>"]
    if work:
        problems.append(f"new files in the grader's working directory: {work}")
    mode = stat.S_IMODE(run.work.stat().st_mode)
    if mode != run.mode_before:
        problems.append(f"the working directory's mode changed: {oct(run.mode_before)} -> {oct(mode)}")
    if _xattrs(run.work) != run.xattrs_before:
        problems.append(f"the working directory's extended attributes changed: {_xattrs(run.work)}")
    if _tree(run.sub) != run.sub_before:
        problems.append(f"the submission's folder changed: {sorted(_tree(run.sub) - run.sub_before)}")
    tmp = sorted(_tree(run.tmp))
    if tmp:
        problems.append(f"left in the scratch root: {tmp[:5]}")
    extra = sorted(set(os.listdir(run.out)) - {"report.json"})
    if extra:
        problems.append(f"new files next to the report: {extra}")
    return problems


@pytest.mark.parametrize(("case", "user", "level"), _params())
def test_hostile_os(case: dict, user: str, level: str) -> None:
    run = Run(case, user, level)
    try:
        sup = run.run()
        problems, data = _check(run, sup)
    finally:
        run.close()
    data = data or {}
    _record({
        "case": case["file"], "class": case["class"], "user": user, "level": level, "returncode": sup["returncode"],
        "hung": sup["hung"], "seconds": sup["seconds"], "maxrss_mb": sup["maxrss_kb"] // 1024,
        "passed": data.get("passed"), "codes": [f.get("code") for f in data.get("findings", []) if isinstance(f, dict)],
        "isolation": data.get("isolation"), "survivors": len(sup["survivors"]), "problems": problems,
    })  # fmt: skip
    assert not problems, "\n".join(problems)


def test_manifest_lists_every_case() -> None:
    listed = {c["file"] for c in CASES}
    present = {p.name for p in HERE.glob("*.py") if not p.name.startswith("_")}
    assert listed == present
    assert len(listed) >= 40
    assert listed >= REPRESENTATIVE | SMOKE
    assert all(c["class"] in GRADER_SIDE for c in CASES if c["file"] in SMOKE)
    for c in CASES:
        assert c["passed"] is False and c["codes"] and c.get("class") and c.get("note"), c["file"]
