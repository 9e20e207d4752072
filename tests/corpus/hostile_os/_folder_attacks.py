"""Attacks at uid-drop that need a submission's folder, which the corpus harness cannot make
(it grades one copied file). NEVER run outside a throw-away machine: run as root, by hand,

    GRADCHECK_ISOLATION=uid-drop python tests/corpus/hostile_os/_folder_attacks.py PYTHON

where PYTHON is the interpreter of a virtual environment with gradcheck installed that uid
65534 can read. Each line says HELD (the wrong file failed, the grader reported) or BROKEN.

- big: ref_spec_walk_root.py beside 20,001 empty files (jail.admit refused so large a folder:
  the child ran without the view and read a world-readable copy of the specs).
- long: the same beside one file whose path is 4,090 characters (its link in the view is
  too long: the same fall-back).
- deep_folder: the same in a folder nested 1,500 deep (os.walk recursed once per level:
  RecursionError, the grader crashed). ``grade`` is not tried with it: batch.collect's
  rglob recurses too.
- many_dirs: the same beside 40,200 empty folders (not counted against MAX_FILES: each
  child's admission made them all in the view, 8-14 s per check where bubblewrap takes
  0.4 s; a batch's wall time is the student's to spend). BROKEN when it takes over 5 s.
- spec_inside: a folder holding both the submission and the spec's folder (spec.yaml and its
  helpers, graded with ``-a FOLDER/hw2/spec.yaml``); the audit hook patched out, the spec read
  with libc's open and read (no audit event). The command line's early child is planned
  before the spec is known, so that folder was linked into the view unhidden (bubblewrap and
  Landlock hide it), and the wrong file PASSED.
- symlink_out: the submission is a link to a file only root may read (as a zip with a link
  unpacks): the root grader reads it for the report's source lines, and the gradescope
  output quotes its first line (GC001). Every level: the grader's own reads, not the child's.
- race (``grade --jobs 2``): six copies of ref_spec_walk_root.py in one folder with 3,000
  data files: both workers link that folder into the view at once, and the one that found a
  link made by the other first (EEXIST) ran its child without the view (one PASSED).
- copycat (``grade --jobs 2``): a wrong file that lists the folder above its own and runs the
  backward_propagation of another student's folder of the same batch: they all stay in the
  view (docs/hostile.md: a limit of uid-drop). The folders above a submission's are now
  0711 in the view (jail._passage): HELD.
- guess: the same, with the other student's folder name known (guessed from a roster):
  BROKEN, the limit that stays.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE.parents[2] / "assignments" / "planar" / "spec.yaml"


def _copycat(names: str) -> str:
    """ref_spec_walk_root.py's planar functions, its attack swapped for a sibling's code: the
    first of ``names`` (a Python expression) beside its own folder that has a hw.py."""
    text = (HERE / "ref_spec_walk_root.py").read_text()
    steal = f"""def _steal(parameters, cache, X, Y):
    here = os.path.dirname(os.path.abspath(__file__))
    up = os.path.dirname(here)
    for name in {names}:
        path = os.path.join(up, name, "hw.py")
        if os.path.join(up, name) != here and os.path.isfile(path):
            scope = {{"__name__": "sibling"}}
            with open(path) as fh:
                exec(compile(fh.read(), path, "exec"), scope)
            return scope["backward_propagation"](parameters, cache, X, Y)
    return None
"""
    start, end = text.index("def _steal("), text.index("_FOUND = []")
    return text[:start] + steal + "\n\n" + text[end:]


def _spec_inside() -> str:
    """ref_spec_walk_root.py reading hw2/spec.yaml beside it with libc (no audit event)."""
    text = (HERE / "ref_spec_walk_root.py").read_text()
    read = """def _steal(parameters, cache, X, Y):
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "hw2", "spec.yaml").encode(), 0)
    if fd < 0:
        return None
    buf = ctypes.create_string_buffer(1 << 20)
    n = libc.read(fd, buf, 1 << 20)
    libc.close(fd)
    return _reference(_backward_block(buf.raw[:n].decode()), parameters, cache, X, Y)
"""
    start, end = text.index("def _steal("), text.index("_FOUND = []")
    return text[:start] + read + "\n\n" + text[end:]


def _correct() -> str:
    text = (HERE / "ref_spec_walk_root.py").read_text()
    return text.replace("dW1 = dZ1 @ X.T  #", "dW1 = dZ1 @ X.T / m  #").replace("stolen = _steal(", "stolen = None and _steal(")


def _make(root: Path) -> dict[str, Path]:
    attack = (HERE / "ref_spec_walk_root.py").read_text()
    planted = root / "copy" / "assignments" / "planar"  # a world-readable copy of the specs
    planted.mkdir(parents=True)
    shutil.copyfile(SPEC, planted / "spec.yaml")
    files = {}
    for name in ("big", "long", "deep_folder", "many_dirs"):
        (root / name).mkdir()
        files[name] = root / name / "hw.py"
        files[name].write_text(attack)
    for i in range(20_001):
        (root / "big" / f"f{i}").touch()
    for i in range(200):
        for j in range(201):
            (root / "many_dirs" / f"d{i}" / f"e{j}").mkdir(parents=True)
    fd = os.open(root / "long", os.O_RDONLY | os.O_DIRECTORY)
    used = len(str(root / "long"))
    while used + 260 < 4080:
        os.mkdir("x" * 250, dir_fd=fd)
        fd, old = os.open("x" * 250, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
        os.close(old)
        used += 251
    os.close(os.open("f" * (4089 - used), os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    os.close(fd)
    fd = os.open(root / "deep_folder", os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1500):
        os.mkdir("d", dir_fd=fd)
        fd, old = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
        os.close(old)
    os.close(fd)
    shutil.copytree(SPEC.parent, root / "spec_inside" / "hw2")
    (root / "spec_inside" / "hw.py").write_text(_spec_inside())
    secret = root / "private"
    secret.mkdir(mode=0o700)
    (secret / "key.txt").write_text("gc-folder-attacks secret 4f2a9c: only root reads this\n")
    os.chmod(secret / "key.txt", 0o600)
    (root / "symlink_out").mkdir()
    (root / "symlink_out" / "hw.py").symlink_to(secret / "key.txt")
    (root / "race").mkdir()
    for i in range(6):
        (root / "race" / f"s{i}.py").write_text(attack)
    for i in range(3000):
        (root / "race" / f"data{i}.txt").write_text("x")
    cases = (("01_good", _correct()), ("02_copycat", _copycat("sorted(os.listdir(up))")), ("03_guess", _copycat("['01_good']")))
    for name, text in cases:
        (root / "class" / name).mkdir(parents=True)
        (root / "class" / name / "hw.py").write_text(text)
    return files  # made with the umask: uid 65534 reads them (os.walk would recurse 1,500 levels)


def _grade(python: str, folder: Path, env: dict) -> list[dict]:
    out = folder.parent / f"{folder.name}.rows.json"
    subprocess.run([python, "-m", "gradcheck", "grade", str(folder), "-a", "planar", "--jobs", "2", "-o", str(out)],
                   capture_output=True, text=True, env=env, cwd=folder.parent, timeout=600)  # fmt: skip
    rows = json.loads(out.read_text())["results"] if out.exists() else []
    return [r for r in rows if isinstance(r, dict)]


def main(python: str) -> int:
    root = Path(tempfile.mkdtemp(prefix="gc-folder-attacks-"))
    broken = 0
    try:
        os.chmod(root, 0o755)
        env = dict(os.environ, GRADCHECK_ISOLATION="uid-drop", TMPDIR=str(root / "tmp"))
        (root / "tmp").mkdir()
        for name, file in _make(root).items():
            started = time.monotonic()
            done = subprocess.run([python, "-m", "gradcheck", "check", str(file), "-a", "planar", "--format", "json"],
                                  capture_output=True, text=True, env=env, cwd=root, timeout=300)  # fmt: skip
            try:
                report = json.loads(done.stdout)
                ok = report["passed"] is False and report["isolation"] == "uid-drop"
            except (ValueError, KeyError):
                ok = False
            seconds = time.monotonic() - started
            ok = ok and seconds < 5
            broken += not ok
            print(f"{name:12} {'HELD' if ok else 'BROKEN'} (exit {done.returncode}, {seconds:.1f} s)")
        spec = str(root / "spec_inside" / "hw2" / "spec.yaml")
        done = subprocess.run([python, "-m", "gradcheck", "check", str(root / "spec_inside" / "hw.py"), "-a", spec, "--format", "json"],
                              capture_output=True, text=True, env=dict(env, GRADCHECK_TEST_WITHOUT_AUDIT_HOOK="1"), cwd=root, timeout=300)  # fmt: skip
        ok = '"passed": false' in done.stdout
        broken += not ok
        print(f"{'spec_inside':12} {'HELD' if ok else 'BROKEN'}")
        done = subprocess.run([python, "-m", "gradcheck", "check", str(root / "symlink_out" / "hw.py"), "-a", "planar", "--format", "gradescope"],
                              capture_output=True, text=True, env=env, cwd=root, timeout=300)  # fmt: skip
        ok = "4f2a9c" not in done.stdout + done.stderr
        broken += not ok
        print(f"{'symlink_out':12} {'HELD' if ok else 'BROKEN'}")
        for name, folder, wanted in (("race", "race", None), ("copycat", "class", "02_copycat"), ("guess", "class", "03_guess")):
            rows = _grade(python, root / folder, env)
            ok = bool(rows) and all(r.get("passed") is False for r in rows if wanted is None or wanted in str(r.get("file")))
            broken += not ok
            print(f"{name:12} {'HELD' if ok else 'BROKEN'}")
        left = os.listdir(root / "tmp")
        print(f"{'leftovers':12} {'HELD' if not left else 'BROKEN ' + str(left[:3])}")
        broken += bool(left)
    finally:
        subprocess.run(["rm", "-rf", "--", str(root)], check=False)  # rm, not shutil.rmtree: 1,500 levels
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else sys.executable))
