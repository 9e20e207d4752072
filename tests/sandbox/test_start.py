"""The command line's early child (sandbox/start.py): started before the grader knows the spec,
taken over by the grading only when it was started exactly as the grading would start it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gradcheck.sandbox import isolation, start
from gradcheck.sandbox.runner import Sandbox

SUBMISSION = "import numpy as np\n\ndef twice(x):\n    return helper(x) * 2\n"
HELPERS = "def helper(x):\n    return x + 1\n"


@pytest.fixture(autouse=True)
def _no_leftover():
    yield
    start._end_unused()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _folder(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp_path, 0o755)
    (tmp_path / "sub.py").write_text(SUBMISSION, encoding="utf-8")
    return tmp_path


def test_the_grading_takes_over_the_early_child(tmp_path):
    folder = _folder(tmp_path)
    start.early(folder / "sub.py")
    early = start._EARLY[str(folder.resolve())][0]
    with Sandbox(folder / "sub.py") as box:
        assert box.start().ok
        assert box.proc is early and box._early
        assert box.isolation == isolation.strongest()
        assert box.call("twice", [1.0]).ok is False  # no helpers given: `helper` is undefined
    assert not start._EARLY


def test_helpers_are_sent_not_read(tmp_path):
    """The child gets the spec's helpers as source: their folder is never in its view."""
    folder = _folder(tmp_path / "student")
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "helpers.py").write_text(HELPERS, encoding="utf-8")
    start.early(folder / "sub.py")
    with Sandbox(folder / "sub.py", helpers=spec / "helpers.py") as box:
        assert box.start().ok and box._early
        reply = box.call("twice", [1.0])
        assert reply.ok and reply.header["value"]["v"] == 4.0
        if box.isolation != "none":
            assert str(spec) not in " ".join(box.plan.argv + box.plan.confine.get("read", []))


def test_an_early_child_for_another_folder_is_not_taken(tmp_path):
    one, other = _folder(tmp_path / "one"), _folder(tmp_path / "other")
    start.early(one / "sub.py")
    early = start._EARLY[str(one.resolve())][0]
    with Sandbox(other / "sub.py") as box:
        assert box.start().ok and not box._early and box.proc is not early
    start._end_unused()
    assert not _alive(early.pid)


def test_a_view_that_changed_ends_the_early_child(tmp_path):
    """A spec's folder inside the submission's folder is hidden from the child: the sandbox the
    early child was started in (before the spec was known) shows it, so it is not used."""
    if isolation.strongest() != "namespaces+seccomp":
        pytest.skip("only bubblewrap's mounts depend on the spec's folder")
    folder = _folder(tmp_path)
    (folder / "spec").mkdir()
    (folder / "spec" / "helpers.py").write_text(HELPERS, encoding="utf-8")
    start.early(folder / "sub.py")
    early = start._EARLY[str(folder.resolve())][0]
    with Sandbox(folder / "sub.py", helpers=folder / "spec" / "helpers.py") as box:
        assert box.start().ok and not box._early
        assert box.call("twice", [1.0]).header["value"]["v"] == 4.0
    assert not _alive(early.pid)
