"""How the child is isolated by the operating system: the strongest level this machine
allows, the child's command line and the confinement it applies to itself (confine.py).

Levels, strongest first (docs/hostile.md, "Threat model"):

- ``namespaces+seccomp``: bubblewrap runs the child in new user, PID, mount, network, IPC
  and UTS namespaces, as uid 65534, seeing only the interpreter, the standard library,
  numpy, the submission's folder (read-only) and its scratch dir; inside, Landlock (when
  the kernel has it) and a seccomp filter.
- ``landlock+seccomp``: the same file view by Landlock, the same seccomp filter; a root
  grader's child runs as uid 65534 when that uid can read the interpreter, else as root
  without any capability.
- ``uid-drop``: a root grader's child runs as uid 65534 (seccomp too where libseccomp is),
  after entering (chroot) a view of hard links to the same allow-list where it may (jail.py).
- ``none``: a separate process with rlimits and the audit hook only.

At every level the child runs from a private copy of its files with an import path of the
standard library and numpy only, so ``import gradcheck`` fails. ``GRADCHECK_ISOLATION``
caps the level (tests run each level this way); it can only weaken, never strengthen.
"""

from __future__ import annotations

import atexit
import functools
import glob
import importlib.util
import os
import shutil
import site
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import confine, jail

LEVELS = ("namespaces+seccomp", "landlock+seccomp", "uid-drop", "none")
_ALIASES = {"namespaces": 0, "bwrap": 0, "landlock": 1, "uid": 2}
HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent  # the grader's package: never visible to the child
_GRADER_ONLY = {"runner.py", "isolation.py", "zygote.py", "replies.py", "pumps.py", "start.py", "jail.py", "trees.py"}  # the rest is loaded by path in the child


def ceiling() -> int:
    """The weakest index allowed by GRADCHECK_ISOLATION (0 = no cap)."""
    raw = os.environ.get("GRADCHECK_ISOLATION", "").strip().lower()
    if not raw or raw in ("auto", "strongest"):
        return 0
    if raw in LEVELS:
        return LEVELS.index(raw)
    if raw in _ALIASES:
        return _ALIASES[raw]
    raise ValueError(f"GRADCHECK_ISOLATION={raw!r}: expected one of {', '.join(LEVELS)}")


def sandbox_ids() -> tuple[int, int]:
    """The uid/gid a root grader's child runs as (GRADCHECK_SANDBOX_UID/GID, default 65534)."""
    uid = int(os.environ.get("GRADCHECK_SANDBOX_UID", "65534"))
    return uid, int(os.environ.get("GRADCHECK_SANDBOX_GID", str(uid)))


def is_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


@functools.lru_cache(maxsize=1)
def interpreter() -> str:
    """The real interpreter (not a venv's link): the child gets no site-packages from it."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    real = os.path.realpath(base)
    return real if os.path.isfile(real) else sys.executable


@functools.lru_cache(maxsize=1)
def numpy_dirs() -> tuple[str, ...]:
    import numpy  # loaded first: its shared libraries are then among this process's (_mapped_dirs)

    pkg = os.path.dirname(os.path.realpath(numpy.__file__))
    libs = os.path.join(os.path.dirname(pkg), "numpy.libs")  # wheels' bundled OpenBLAS
    return (pkg, os.path.realpath(libs)) if os.path.isdir(libs) else (pkg,)


# -- the private copy of the child's files --------------------------------------------------
_PRIVATE: list[str] = []


def child_dir() -> str:
    """A private directory (one per grader process) with the child's files, a ``lib`` of links
    to numpy alone, and ``paths.txt`` naming it: the child's whole import path beyond the
    standard library. Readable by the sandbox uid."""
    if _PRIVATE and os.path.isdir(_PRIVATE[0]):
        return _PRIVATE[0]
    root = tempfile.mkdtemp(prefix="gradcheck-child-")
    os.chmod(root, 0o755)
    for src in HERE.glob("*.py"):
        if src.name not in _GRADER_ONLY:
            shutil.copy2(src, os.path.join(root, src.name))  # its time too: the bytecode below stays valid
            _copy_bytecode(src, os.path.join(root, src.name))
    lib = os.path.join(root, "lib")
    os.mkdir(lib)
    entries = [lib]
    try:
        for target in numpy_dirs():
            os.symlink(target, os.path.join(lib, os.path.basename(target)))
    except OSError:  # no symlinks (Windows without the privilege): numpy's own folder, and _hide
        entries = [os.path.dirname(numpy_dirs()[0])]
    with open(os.path.join(root, "paths.txt"), "w", encoding="utf-8") as fh:
        fh.write("".join(e + "\n" for e in entries))
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            os.chmod(os.path.join(dirpath, name), 0o644)
    _PRIVATE[:] = [root]
    return root


@atexit.register
def _remove_private() -> None:
    for root in _PRIVATE:
        shutil.rmtree(root, ignore_errors=True)


def child_command(script_args: tuple[str, ...] = ()) -> list[str]:
    """``python -I -S -B <private>/child.py``: no site-packages, no environment variables."""
    return [interpreter(), "-I", "-S", "-B", os.path.join(child_dir(), "child.py"), *script_args]


def _copy_bytecode(src: Path, dst: str) -> None:
    """The package's compiled ``src`` (pip writes one at install), if there is one, beside its
    copy: the child runs with -B, so without it each spawned child compiles its modules again
    (~25 ms). Python checks it against the copy's time and size, and compiles a stale one anew."""
    try:
        cached = importlib.util.cache_from_source(str(src))
        if os.path.isfile(cached):
            target = importlib.util.cache_from_source(dst)
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            os.chmod(os.path.dirname(target), 0o755)  # whatever the umask: the sandbox uid reads it
            shutil.copyfile(cached, target)
    except (OSError, NotImplementedError, ValueError):
        pass  # it compiles, as before


# -- what the child may see -----------------------------------------------------------------
def _real(path) -> str:
    return os.path.realpath(os.fspath(path))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _base_paths() -> dict[str, str]:
    """sysconfig's paths for the base interpreter (a venv's own are its site-packages)."""
    return sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})


@functools.lru_cache(maxsize=1)
def hidden() -> tuple[str, ...]:
    """What stays out of the child's view even inside a directory it may read: the grader's
    package and specs, every site-packages, the grader's working directory."""
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    spots = [PACKAGE, PACKAGE.parent / "assignments", *site.getsitepackages(), *site.getsitepackages(list(prefixes)),
             site.getusersitepackages(), *(_base_paths()[k] for k in ("purelib", "platlib"))]  # fmt: skip
    found = {_real(p) for p in spots if p and os.path.exists(p)}
    if os.getcwd() != os.sep:
        found.add(_real(os.getcwd()))
    return tuple(sorted(found))


def _mapped_dirs() -> list[str]:
    """The folders of the shared libraries this process has loaded (the interpreter's, libc,
    numpy's OpenBLAS): the child needs them, and the libraries its extension modules load."""
    found = set()
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields = line.split(None, 5)
                path = fields[5].strip() if len(fields) == 6 else ""
                if path.startswith("/") and ".so" in os.path.basename(path):
                    found.add(os.path.dirname(_real(path)))
    except OSError:
        pass
    return sorted(found)


@functools.lru_cache(maxsize=1)
def _system_reads() -> tuple[str, ...]:
    paths = _base_paths()
    dynload = [
        os.path.dirname(m.__file__) for m in (sys.modules.get("_json"), sys.modules.get("_struct")) if m and getattr(m, "__file__", None)
    ]
    roots = [interpreter(), paths["stdlib"], paths["platstdlib"], *dynload, *numpy_dirs(), *_mapped_dirs(),
             "/etc/ld.so.cache", "/etc/localtime", "/dev/null", "/dev/zero", "/dev/urandom"]  # fmt: skip
    keep = []
    for root in roots:
        real = _real(root)
        if not os.path.exists(real):
            continue
        if any(_under(real, h) for h in hidden() if h != _real(os.getcwd())) and real not in numpy_dirs():
            continue  # a library folder inside site-packages or the grader's tree: not the child's
        keep.append(real)
    return tuple(sorted(set(keep)))


def _carve(root: str, hide: tuple[str, ...], depth: int = 0) -> list[str]:
    """``root`` as paths to allow, leaving out everything under ``hide`` (a folder that holds
    a hidden one is allowed entry by entry; links leading out of it are not followed). A
    hidden folder holding ``root`` itself does not count: what is granted by name wins."""
    if depth == 0:
        hide = tuple(h for h in hide if not _under(root, h))
    elif any(_under(root, h) for h in hide):
        return []
    if not any(_under(h, root) for h in hide) or not os.path.isdir(root) or depth > 6:
        return [root]
    out: list[str] = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        real = _real(entry.path)
        if _under(real, root):
            out += _carve(real, hide, depth + 1)
    return out


def _hide_for(helpers: Path | None) -> tuple[str, ...]:
    return (*hidden(), _real(Path(helpers).parent)) if helpers is not None else hidden()  # a spec's folder: only its helpers


@functools.lru_cache(maxsize=8)
def _system_view(hide: tuple[str, ...]) -> tuple[str, ...]:
    read: list[str] = []
    for root in (*_system_reads(), child_dir()):
        read += [root] if root in numpy_dirs() or root == child_dir() else _carve(root, hide)
    return tuple(read)


def view(folder: Path, scratch: str, helpers: Path | None) -> tuple[list[str], list[str]]:
    """(readable, writable) paths for the child, as Landlock rules: a folder holding a hidden
    one is listed entry by entry. A spec's helpers are not among them: the grader sends their
    source with the import request (runner.py), and their folder is hidden."""
    hide = _hide_for(helpers)
    read = [*_system_view(hide), *_carve(_real(folder), hide)]
    return sorted(set(read)), [_real(scratch), "/dev/null"]


def _mounts(folders: list[str], helpers: Path | None) -> list[str]:
    """bubblewrap's read-only binds, in order: whole folders, then empty read-only folders over
    the hidden ones inside them, then what is granted inside a hidden folder (numpy in
    site-packages). A few mounts instead of one per entry: each costs ~1 ms.
    ``folders``: the submissions' folders (real paths; several for a fork server's sandbox)."""
    hide = _hide_for(helpers)

    def needed(h: str) -> bool:  # a hidden folder holding a submission's: the submission wins
        return any(_under(f, h) for f in folders)

    roots = [r for r in (*_system_reads(), child_dir(), *folders) if not r.startswith("/dev/")]
    inside = [r for r in roots if any(_under(r, h) and not needed(h) for h in hide) or r in numpy_dirs()]
    outer = [r for r in roots if r not in inside]
    argv: list[str] = []
    for path in sorted(set(outer)):
        argv += ["--ro-bind", path, path]
    for h in sorted(set(hide)):
        if any(_under(h, r) and h != r for r in outer) and os.path.isdir(h) and not needed(h):
            argv += ["--perms", "0555", "--tmpfs", h, "--remount-ro", h]
    for path in sorted(set(inside)):
        argv += ["--ro-bind", path, path]
    return argv


def _nobody_reads(paths: list[str], uid: int, gid: int) -> bool:
    """Whether ``uid`` can walk to and read every path (by the permission bits)."""
    for path in paths:
        parts = Path(path).parts
        for i in range(1, len(parts) + 1):
            try:
                st = os.stat(os.path.join(*parts[:i]))
            except OSError:
                return False
            shift = 6 if st.st_uid == uid else 3 if st.st_gid == gid else 0
            need = 0o1 if (stat.S_ISDIR(st.st_mode) and i < len(parts)) else 0o4
            if not (st.st_mode >> shift) & need:
                return False
    return True


# -- probes -----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def bwrap() -> str | None:
    """bubblewrap's path, if it can make namespaces here (a container may forbid it)."""
    path = shutil.which("bwrap")
    if not path or not sys.platform.startswith("linux"):
        return None
    # A program that does nothing (a few ms; the interpreter's start-up took ~4x that, on the
    # path of every check): what is probed is that the namespaces can be made.
    program = next((p for p in ("/bin/true", "/usr/bin/true") if os.access(p, os.X_OK)), None)
    argv = [program] if program else [interpreter(), "-I", "-S", "-c", ""]
    try:
        ok = subprocess.run([path, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--", *argv],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10).returncode == 0  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        ok = False
    return path if ok else None


@functools.lru_cache(maxsize=1)
def seccomp_available() -> bool:
    return confine.load_libseccomp() is not None


@functools.lru_cache(maxsize=1)
def available() -> dict[str, str]:
    """Each level: '' when this machine can use it, else why not (for tests and docs)."""
    why: dict[str, str] = {}
    why["namespaces+seccomp"] = (
        ""
        if bwrap() and seccomp_available()
        else ("bubblewrap is not installed or may not create namespaces here" if not bwrap() else "libseccomp.so.2 is missing")
    )
    why["landlock+seccomp"] = (
        ""
        if confine.landlock_abi() and seccomp_available()
        else ("the kernel has no Landlock" if not confine.landlock_abi() else "libseccomp.so.2 is missing")
    )
    uid, gid = sandbox_ids()
    if not is_root():
        why["uid-drop"] = "the grader is not root (the child already runs as an unprivileged user)"
    elif not _nobody_reads(list(_system_reads()) + [child_dir()], uid, gid):
        why["uid-drop"] = f"uid {uid} cannot read the interpreter, the standard library or numpy"
    else:
        why["uid-drop"] = ""
    why["none"] = ""
    return why


# -- the plan for one child -------------------------------------------------------------------
@dataclass
class Plan:
    level: str  # the strongest level planned; the child's reply says what took effect
    argv: list[str]
    confine: dict = field(default_factory=dict)  # sent in the child's first frame
    popen: dict = field(default_factory=dict)  # user/group for subprocess.Popen
    owner: tuple[int, int] | None = None  # who must own the scratch dir
    forkable: bool = True  # a fork server (zygote) can give this level


def strongest() -> str:
    """The level a child gets here: the strongest available one that GRADCHECK_ISOLATION allows."""
    why = available()
    return next(name for i, name in enumerate(LEVELS) if i >= ceiling() and not why[name])


def plan(folder: Path, scratch: str, helpers: Path | None = None) -> Plan:
    """``folder``: what the child may read of the student's files (the submission's folder, or
    the root of the package it belongs to)."""
    why = available()
    level = strongest()
    uid, gid = sandbox_ids()
    read, write = view(folder, scratch, helpers) if level != "none" else ([], [])
    can_drop = is_root() and not why["uid-drop"]
    conf: dict = {"seccomp": level != "none" and seccomp_available()}
    if level in ("namespaces+seccomp", "landlock+seccomp"):
        conf.update(landlock=bool(confine.landlock_abi()), read=read, write=write)
    else:
        hide = [*hidden(), *([_real(Path(helpers).parent)] if helpers is not None else [])]
        needed = (_real(folder), _real(scratch), child_dir())  # a hidden cwd may hold these
        conf["hide"] = [h for h in hide if not any(_under(n, h) for n in needed)]
        conf["allow"] = list(numpy_dirs())  # numpy's later imports
    if level == "namespaces+seccomp":
        popen = {"user": uid, "group": gid, "extra_groups": []} if can_drop else {}
        return Plan(level, _bwrap_argv([_real(folder)], helpers, scratch, uid, gid) + child_command(), conf, popen,
                    (uid, gid) if can_drop else None, forkable=False)  # fmt: skip
    if can_drop and level in ("landlock+seccomp", "uid-drop"):
        conf.update(uid=uid, gid=gid)
        top = jail.inside(_real(scratch)) if level == "uid-drop" else None
        if top:  # the child enters it before dropping to uid (jail.py), with what of the folder could be linked
            root, spec = _real(folder), _real(Path(helpers).parent) if helpers is not None else ""
            # The spec's folder inside the submission's leaves the view if an earlier plan linked it: the
            # command line's early child is planned before the spec is known (its one difference).
            jail.admit(_carve(root, _hide_for(helpers)), [spec] if spec and _under(spec, root) and spec != root else [])
            conf["jail"] = top
        return Plan(level, child_command(), conf, {}, (uid, gid))
    return Plan(level, child_command(), conf)


def scratch_home() -> str | None:
    """Where a child's scratch dir is made: inside the uid-drop level's view when a root grader
    can make one (jail.py), else the temporary folder (None)."""
    if strongest() != "uid-drop" or not is_root() or available()["uid-drop"]:
        return None
    return jail.scratch_home(_system_view(hidden()))


def _bwrap_argv(folders: list[str], helpers: Path | None, scratch: str, uid: int, gid: int) -> list[str]:
    """bubblewrap's command line up to ``--``: the file view of ``_mounts``, ``scratch`` read-write."""
    return [*_bwrap_view(tuple(folders), helpers, uid, gid), "--bind", _real(scratch), _real(scratch), "--chdir", _real(scratch), "--"]


@functools.lru_cache(maxsize=64)
def _bwrap_view(folders: tuple[str, ...], helpers: Path | None, uid: int, gid: int) -> tuple[str, ...]:
    """The part of ``_bwrap_argv`` one batch's children share (a few hundred realpath calls)."""
    argv = [bwrap() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(uid), "--gid", str(gid), "--dev", "/dev"]  # fmt: skip
    for link in ("/lib", "/lib64", "/lib32", "/libx32", "/bin"):
        if os.path.islink(link):  # merged /usr: the ELF interpreter's path goes through these
            argv += ["--dir", _real(link), "--symlink", os.readlink(link), link]
    argv += _mounts(folders, helpers)
    reads = _system_reads()
    for loader in sorted({*glob.glob("/lib*/ld-*.so*"), *glob.glob("/usr/lib*/ld-*.so*")}):
        if any(_under(_real(loader), r) for r in reads):
            argv += ["--ro-bind", _real(loader), loader]  # the ELF interpreter, by the path binaries name
    return tuple(argv)


SCOPED_ABI = 6  # the Landlock ABI that scopes signals and abstract sockets (Linux 6.12)


def fork_server_plan(folders: list[Path], home: str, helpers: Path | None = None) -> Plan | None:
    """How a fork server (zygote.py) runs at the namespaces level, or None where it cannot: one
    bubblewrap sandbox seeing every folder of ``folders`` read-only and ``home`` (where each
    child's scratch dir is made) read-write. What keeps its children apart is what each applies
    to itself after the fork, before any student code: Landlock (its own folder and scratch dir
    only; signals and abstract sockets kept to itself), seccomp (no process creation, no
    signal to another process, no ptrace, no System V IPC or message queues) and its own
    limits; so it is offered only where the kernel has Landlock with signal scoping (ABI ≥ 6,
    Linux 6.12) and libseccomp is there (``available()``), and a child that could not apply
    both exits before the submission loads."""
    why = available()
    if strongest() != "namespaces+seccomp" or confine.landlock_abi() < SCOPED_ABI:
        return None  # below ABI 6 Landlock does not keep a child's signals off its siblings
    uid, gid = sandbox_ids()
    can_drop = is_root() and not why["uid-drop"]
    popen = {"user": uid, "group": gid, "extra_groups": []} if can_drop else {}
    argv = _bwrap_argv(sorted({_real(f) for f in folders}), helpers, home, uid, gid)
    return Plan("namespaces+seccomp", argv, {}, popen, (uid, gid) if can_drop else None)


def covers(server: Plan, folder: Path) -> bool:
    """Whether a child for ``folder`` sees all it needs in the fork server's sandbox."""
    binds = {server.argv[i + 1] for i, arg in enumerate(server.argv) if arg == "--ro-bind"}
    return _real(folder) in binds


def achieved(planned: Plan, confined: dict) -> str:
    """The level in force, from what the child reports it applied before any student code ran."""
    seccomp = bool(confined.get("seccomp"))
    if planned.level == "namespaces+seccomp" and seccomp:
        return "namespaces+seccomp"
    if confined.get("landlock") and seccomp:
        return "landlock+seccomp"
    if planned.level == "namespaces+seccomp" or confined.get("identity") == "uid":
        return "uid-drop"
    return "none"
