"""The file view of the uid-drop level (jail.py): what is linked, what is left out, and what a
process that entered it (confine._enter_jail) can still reach. The whole level, with a child
and a submission looking for a spec, is in tests/test_corpus_hostile_os.py
(ref_spec_walk_root.py at uid-drop)."""

from __future__ import annotations

import os
import sys

import pytest

from gradcheck.sandbox import confine, jail


@pytest.fixture
def tree(tmp_path):
    src = tmp_path / "course"
    (src / "data").mkdir(parents=True)
    (src / "hw.py").write_text("x = 1\n")
    (src / "data" / "train.csv").write_text("1,2\n")
    (src / "link.py").symlink_to("hw.py")
    top = tmp_path / "view"
    top.mkdir()
    return src, str(top)


def test_a_folder_is_linked_at_its_own_path_with_links_kept_as_links(tree):
    src, top = tree
    jail._mirror(str(src), top)
    assert os.path.samefile(src / "hw.py", top + str(src / "hw.py"))
    assert os.path.samefile(src / "data" / "train.csv", top + str(src / "data" / "train.csv"))
    assert os.readlink(top + str(src / "link.py")) == "hw.py"


def test_a_folder_holding_the_view_does_not_link_the_view_into_itself(tmp_path):
    (tmp_path / "a.py").write_text("")
    top = tmp_path / "view"
    top.mkdir()
    jail._mirror(str(tmp_path), str(top))
    assert os.path.exists(str(top) + str(tmp_path / "a.py"))
    assert not os.path.exists(str(top) + str(top))


def test_a_file_replaced_since_it_was_linked_is_linked_again(tree):
    src, top = tree
    jail._mirror(str(src), top)
    (src / "hw.py").unlink()
    (src / "hw.py").write_text("x = 2\n")  # an editor's save: a new inode
    jail._mirror(str(src), top, copy=True)
    with open(top + str(src / "hw.py")) as fh:
        assert fh.read() == "x = 2\n"


def test_too_large_a_folder_gets_its_own_files_only(tree, monkeypatch):
    src, top = tree
    monkeypatch.setattr(jail, "_MADE", [top])
    monkeypatch.setattr(jail, "MAX_FILES", 2)
    assert not jail.admit([str(src)])  # not all of it: its subfolders are left out
    assert os.path.samefile(src / "hw.py", top + str(src / "hw.py"))
    assert not os.path.exists(top + str(src / "data"))
    monkeypatch.setattr(jail, "MAX_FILES", 20)
    assert jail.admit([str(src)])
    assert jail.inside(top + "/tmp/gradcheck-x") == top
    assert jail.inside(str(src)) is None


def test_the_scratch_dir_must_be_inside_the_view(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OSError, match="not inside"):
        confine._enter_jail(str(tmp_path / "elsewhere"))


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0 or bool(jail.why_not()),
                    reason="chroot needs root with CAP_SYS_CHROOT")  # fmt: skip
def test_a_process_in_the_view_sees_its_folder_and_nothing_else(tree, tmp_path):
    src, _ = tree
    secret = tmp_path / "answers.yaml"
    secret.write_text("dW1: dZ1 @ X.T / m\n")
    secret.chmod(0o644)
    top = jail._build((str(src),))
    assert top
    scratch = os.path.join(top, "tmp", "gradcheck-test")
    os.mkdir(scratch)
    outside_dir = os.open(str(tmp_path), os.O_RDONLY | os.O_DIRECTORY)  # would lead back out
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # only os calls from here on: nothing to import inside the view
        code = 1
        try:
            os.close(read)
            os.chdir(scratch)
            confine._enter_jail(top)
            seen = (os.path.exists(str(secret)), os.path.exists(str(src / "hw.py")), os.getcwd(),
                    sorted(os.listdir("/")), _is_open(outside_dir))  # fmt: skip
            os.write(write, repr(seen).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    os.close(outside_dir)
    got = os.read(read, 65536).decode()
    os.close(read)
    assert os.waitpid(pid, 0)[1] == 0, got
    assert got == repr((False, True, "/tmp/gradcheck-test", sorted(os.listdir(top)), False))


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True
