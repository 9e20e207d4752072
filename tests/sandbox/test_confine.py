"""The seccomp filter a fork server prepares once (confine.prepare_seccomp): each forked child
finishes its own copy with the rules naming its own pid, so a signal to any other process
(the fork server, a sibling) is refused while one to itself still works."""

from __future__ import annotations

import errno
import os
import sys

import pytest

from gradcheck.sandbox import confine

LIB = confine.load_libseccomp() if sys.platform.startswith("linux") else None
pytestmark = pytest.mark.skipif(LIB is None, reason="libseccomp.so.2 is not here")


@pytest.fixture(autouse=True)
def _nothing_prepared():
    confine._PREPARED.clear()
    yield
    confine._PREPARED.clear()


def _signals_in_a_fork() -> tuple[int, int]:
    """(errno of kill(parent, 0), errno of kill(self, 0)) in a forked child under the filter."""
    parent = os.getpid()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read)
            confine._seccomp(LIB)
            out = []
            for target in (parent, os.getpid()):
                try:
                    os.kill(target, 0)
                    out.append(0)
                except OSError as exc:
                    out.append(exc.errno or -1)
            os.write(write, f"{out[0]} {out[1]}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    got = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    first, second = got.split()
    return int(first), int(second)


def test_a_filter_made_whole_lets_a_child_signal_only_itself():
    assert _signals_in_a_fork() == (errno.EPERM, 0)


def test_each_child_of_one_prepared_filter_names_its_own_pid():
    confine.prepare_seccomp(LIB)
    assert _signals_in_a_fork() == (errno.EPERM, 0)
    assert _signals_in_a_fork() == (errno.EPERM, 0)  # the same prepared filter, another child
    assert len(confine._PREPARED) == 1, "the fork server keeps its prepared filter for the next child"
