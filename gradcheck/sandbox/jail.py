"""The file view of the ``uid-drop`` level: a directory of hard links the child enters with
chroot before it drops to the sandbox uid.

At that level the grader is root but can make neither namespaces nor Landlock rules, so
nothing else keeps world-readable files from the child: another checkout of the specs, an
answer key, other students' folders. Root can still chroot (CAP_SYS_CHROOT, which container
runtimes keep), and once the child runs as uid 65534 it cannot leave the directory it was put
in. The directory holds, at their own paths, links to what the child may read at the
stronger levels (``isolation.view``: the standard library, numpy, the shared libraries, the
child's own files, the submission's folder without what is hidden), and the scratch dirs
under ``/tmp`` (mode 0711: a child cannot list its siblings'). No ``/proc``, no ``/sys``.

It is made once per grader process, on first use (~12,000 links, ~0.5 s here), and removed at
exit. A link of the standard library made on another filesystem fails (EXDEV): then the view
is not made and the child runs at plain uid-drop, which the report's GC008 note says ("the file
view"; runner.py reads ``confined["jail"]``). Other students' folders graded in the same run
stay in the view, under folders that cannot be listed (docs/hostile.md: a known name reads
them, as at plain uid-drop). Grader side only; the child's half is ``confine._enter_jail``.
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import stat
import sys
import tempfile
import threading

from .trees import remove

_LOCK = threading.Lock()
_MADE: list[str] = []  # [root] once made, [""] when it cannot be
_DEVICES = {"null": (1, 3), "zero": (1, 5), "urandom": (1, 9)}
_MERGED = ("/lib", "/lib64", "/lib32", "/libx32", "/bin")  # merged /usr: the loader's paths go through these
_CAP_SYS_CHROOT = 18
MAX_FILES = 20_000  # files and folders in a submission's folder
MAX_DEPTH = 64  # levels of a submission's folder that are linked


def why_not() -> str:
    """'' when this process may make and enter a view, else why not."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "the grader is not root"
    if os.environ.get("GRADCHECK_JAIL", "").strip() == "0":
        return "GRADCHECK_JAIL=0"
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            caps = next((int(line.split()[1], 16) for line in fh if line.startswith("CapEff:")), 0)
    except (OSError, ValueError):
        caps = 0
    return "" if caps >> _CAP_SYS_CHROOT & 1 else "the grader lacks CAP_SYS_CHROOT"


def root(system: tuple[str, ...]) -> str | None:
    """The view's root with ``system`` (the paths every child may read) linked in, made on first
    use; None where it cannot be made here."""
    with _LOCK:
        if not _MADE:
            _MADE.append(_build(system) if not why_not() else "")
        return _MADE[0] or None


def scratch_home(system: tuple[str, ...]) -> str | None:
    """Where a child's scratch dir is made so that it is inside the view (None: no view)."""
    top = root(system)
    return os.path.join(top, "tmp") if top else None


def inside(path: str) -> str | None:
    """The view's root when ``path`` (a scratch dir) is inside it."""
    top = _MADE[0] if _MADE else ""
    return top if top and path.startswith(top + os.sep) else None


def admit(paths: list[str], withdrawn: list[str] | tuple[str, ...] = ()) -> bool:
    """Link ``paths`` (a submission's folder, as ``isolation._carve`` lists it) into the view,
    again on each call: a file edited since (a new inode) replaces its old link. False when
    not all of it could be linked: a folder of more than MAX_FILES files (a home folder, not an
    assignment's: not minutes of links) gets its own files only, not its subfolders; a path
    that cannot be linked (too long inside the view) is left out. The child enters the view
    all the same (isolation.plan): what a folder holds must never cost the view, or a student
    could leave it behind with 20,001 empty files and read every world-readable file.
    ``withdrawn``: paths inside the folder that must not be in the view (hidden ones that an
    earlier admission of the same folder, without them hidden, linked)."""
    top = _MADE[0] if _MADE else ""
    if not top:
        return False
    for path in withdrawn:
        if os.path.lexists(top + path) and os.path.realpath(top + path) == os.path.realpath(top) + path:
            remove(top + path)  # the view's links only: no link on the way leads out of it
    whole = sum(_count(p, top) for p in paths) <= MAX_FILES
    done = whole
    with _LOCK:
        for path in paths:
            _passage(top, path)
        for path in paths if whole else _own_files(paths):
            try:
                _mirror(path, top, copy=True)
            except OSError:
                done = False
    return done


def _own_files(paths: list[str]) -> list[str]:
    """The files (and links) directly in the folders of ``paths``, at most MAX_FILES: source
    files first (in a class folder that large, a student's own file may still be cut off: the
    grader's plan does not name it)."""
    out: list[str] = []
    for path in paths:
        if not os.path.isdir(path) or os.path.islink(path):
            out.append(path)
            continue
        try:
            with os.scandir(path) as entries:
                out += [e.path for e in entries if not e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
    out.sort(key=lambda p: not p.endswith((".py", ".ipynb")))  # stable: their order otherwise
    return out[:MAX_FILES]


def _count(path: str, top: str) -> int:
    if not os.path.isdir(path) or os.path.islink(path):
        return 1
    total = 0
    for folder, dirs, files in os.walk(path):
        dirs[:] = _below(path, folder, dirs, top)
        total += len(files) + len(dirs)  # folders too: 40,000 empty ones cost 8 s of links per child
        if total > MAX_FILES:
            break
    return total


def _build(system: tuple[str, ...]) -> str:
    for base in (tempfile.gettempdir(), "/var/tmp"):
        top = tempfile.mkdtemp(prefix="gradcheck-view-", dir=base)
        try:
            os.chmod(top, 0o755)
            for path in system:
                _mirror(path, top)
            _finish(top)
            atexit.register(remove, top)
            return top
        except OSError:
            shutil.rmtree(top, ignore_errors=True)
    return ""


def _finish(top: str) -> None:
    """The merged-/usr links, the three harmless devices where root may make them, and /tmp."""
    for link in _MERGED:
        if os.path.islink(link) and not os.path.lexists(top + link):
            os.symlink(os.readlink(link), top + link)
    os.makedirs(os.path.join(top, "dev"), mode=0o755, exist_ok=True)
    for name, (major, minor) in _DEVICES.items():
        node = os.path.join(top, "dev", name)
        try:
            if os.path.lexists(node):
                os.unlink(node)
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(major, minor))
            os.chmod(node, 0o666)
        except OSError:
            pass  # no CAP_MKNOD: Python reads randomness with getrandom() anyway
    os.makedirs(os.path.join(top, "tmp"), exist_ok=True)
    os.chmod(os.path.join(top, "tmp"), 0o711)


def _mirror(src: str, top: str, copy: bool = False) -> None:
    """``src`` (a file, a link or a whole folder) linked at ``top + src``; links inside a
    folder are linked as links (never followed)."""
    if src.startswith("/dev/"):
        return  # _finish makes the devices
    if not os.path.isdir(src) or os.path.islink(src):
        _folders(top, os.path.dirname(src))
        _link(src, top + src, copy)
        return
    for folder, dirs, files in os.walk(src):
        dirs[:] = _below(src, folder, dirs, top)
        _folders(top, folder)
        if folder == src:
            os.chmod(top + src, 0o755)  # listed, though another's _passage went through it
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            _link(os.path.join(folder, name), top + os.path.join(folder, name), copy)


def _below(start: str, folder: str, dirs: list[str], top: str) -> list[str]:
    """The subfolders os.walk goes on into: not the view (a folder holding it) and none deeper
    than MAX_DEPTH below ``start`` (os.walk recurses once per level: RecursionError)."""
    if folder.count(os.sep) - start.rstrip(os.sep).count(os.sep) >= MAX_DEPTH:
        return []
    return [d for d in dirs if os.path.join(folder, d) != top]


def _passage(top: str, path: str) -> None:
    """The folders above a submission's ``path`` that the view does not have yet, mode 0711:
    passed through, never listed. Every folder graded in one run stays in the view (and with
    ``--jobs`` the ones graded beside it): a child that lists the class folder finds the
    other students' and can run their code. Names must now be known (guessed) to be read."""
    parts = path.rstrip(os.sep).split(os.sep)[1:-1]
    for i in range(1, len(parts) + 1):
        target = top + os.sep + os.sep.join(parts[:i])
        if not os.path.isdir(target):
            try:
                os.mkdir(target, 0o711)
            except FileExistsError:
                continue  # another grading worker's, just made
            os.chmod(target, 0o711)


def _folders(top: str, path: str) -> None:
    target = top + path
    if not os.path.isdir(target):
        os.makedirs(target, mode=0o755, exist_ok=True)
        os.chmod(target, 0o755)  # whatever the umask: the sandbox uid walks through it


def _same(src: str, dst: str) -> bool:
    try:
        return os.path.samestat(os.lstat(src), os.lstat(dst))
    except OSError:
        return False


def _link(src: str, dst: str, copy: bool) -> None:
    """A hard link; where ``copy`` (a submission's folder), a copy when ``src`` is on another
    filesystem. An old link to a file edited since (a new inode) is replaced. Grading workers
    (``--jobs``) share the view and may link one folder at once: a link another one made
    first is no failure (it cost the child its view, and a file it needed)."""
    if _same(src, dst):
        return
    try:
        os.unlink(dst)
    except FileNotFoundError:
        pass
    try:
        os.link(src, dst, follow_symlinks=False)
    except FileExistsError:
        if not _same(src, dst):
            raise
    except FileNotFoundError:
        if os.path.lexists(src):
            raise
        return  # removed since the walk listed it (a cache file): nothing to show
    except OSError as exc:
        if not copy or exc.errno != errno.EXDEV:
            raise
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        elif os.path.isfile(src):
            shutil.copy2(src, dst)
