"""``gradcheck FILE --fix`` end to end: the file is graded from a fork server started first, the fix
is verified by re-grades forked from it, the patched copy is written next to the file (which
stays as it was), and the copy passes."""

from __future__ import annotations

import shutil
import subprocess
import sys

from gradcheck.grade import grade

from ..conftest import CORPUS


def test_fix_writes_a_patched_copy_that_passes_and_leaves_the_file_alone(planar_spec, tmp_path):
    path = tmp_path / "student.py"
    shutil.copy(CORPUS / "planar" / "buggy" / "dw1_missing_mean.py", path)
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "gradcheck", str(path), "--fix", "--no-color"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "verified: with this change, dW1 passes" in proc.stdout and "--fix: wrote" in proc.stderr
    assert path.read_bytes() == before
    fixed = tmp_path / "student.fixed.py"
    assert grade(planar_spec, fixed).passed
