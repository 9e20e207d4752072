"""Reading a submission (Submission.from_path): the grader reads no more than the child may."""

from __future__ import annotations

import os

import pytest

from gradcheck.errors import UsageError
from gradcheck.submission import Submission


def test_a_link_to_a_file_outside_its_folder_is_not_read(tmp_path):
    secret = tmp_path / "answers.txt"
    secret.write_text("dW1 = dZ1 @ X.T / m  # the key\n")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "hw.py").symlink_to(secret)
    with pytest.raises(UsageError, match="a link to a file outside its folder") as caught:
        Submission.from_path(folder / "hw.py")
    assert "the key" not in str(caught.value)


def test_a_link_within_its_folder_and_a_folder_reached_through_a_link_are_read(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "hw_v2.py").write_text("def f():\n    return 1\n")
    (real / "hw.py").symlink_to("hw_v2.py")
    os.symlink(real, tmp_path / "alias")  # the folder itself through a link: still its own files
    assert "return 1" in Submission.from_path(real / "hw.py").source
    assert "return 1" in Submission.from_path(tmp_path / "alias" / "hw.py").source
