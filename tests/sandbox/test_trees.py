"""Removing a folder a submission wrote into (trees.remove): however deep, links never followed."""

from __future__ import annotations

import os

from gradcheck.sandbox import trees


def _dig(top: str, depth: int) -> None:
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        deeper = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(os.open("left", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    os.close(fd)


def test_a_tree_deeper_than_the_recursion_limit_is_removed(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _dig(str(scratch), 1500)  # shutil.rmtree raises RecursionError here (Python 3.11)
    trees.remove(str(scratch))
    assert not scratch.exists()


def test_links_inside_are_removed_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    scratch = tmp_path / "scratch"
    (scratch / "a" / "b").mkdir(parents=True)
    (scratch / "a" / "b" / "to_outside").symlink_to(outside)
    (scratch / "to_file").symlink_to(outside / "keep.txt")
    _dig(str(scratch / "a"), 1200)
    trees.remove(str(scratch))
    assert not scratch.exists() and (outside / "keep.txt").read_text() == "mine"
