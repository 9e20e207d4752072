"""Forked grading workers (gradcheck/workers.py): every file comes back once, as JSON; a worker
that dies costs only the file it was on; when none is left the parent grades the rest."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from gradcheck import workers

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are for Linux")


@dataclass
class Row:
    file: str
    pid: int
    state: str


class State:
    def close(self) -> None:
        with open(os.environ["WORKERS_TEST_LOG"], "a") as fh:
            fh.write(f"closed {os.getpid()}\n")


def _files(n: int) -> list[Path]:
    return [Path(f"/nowhere/s{i:02d}.py") for i in range(n)]


def _collect(files, jobs, one, start=State):
    return list(workers.run(files, jobs, start, one, lambda fields: Row(**fields), lambda p, why: Row(str(p), -1, why)))


@pytest.fixture(autouse=True)
def _log(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKERS_TEST_LOG", str(tmp_path / "log"))
    return tmp_path / "log"


def test_every_file_is_graded_once_in_processes_of_their_own(_log):
    files = _files(12)
    got = _collect(files, 2, lambda p, state: Row(str(p), os.getpid(), type(state).__name__))
    assert sorted(str(p) for p, _ in got) == sorted(map(str, files))
    assert all(str(p) == row.file and row.state == "State" for p, row in got)
    pids = {row.pid for _, row in got}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert sorted(_log.read_text().split()[1::2]) == sorted(map(str, pids))  # each closed its state


def test_a_worker_that_dies_costs_only_the_file_it_was_on():
    files = _files(8)

    def one(path, state):
        if path.name == "s03.py":
            os._exit(3)
        return Row(str(path), os.getpid(), "ok")

    got = dict(_collect(files, 2, one))
    assert set(got) == set(files)
    assert got[files[3]].pid == -1 and "ended unexpectedly" in got[files[3]].state
    assert all(got[f].state == "ok" for f in files if f != files[3])


def test_when_every_worker_died_the_parent_grades_the_rest():
    files = _files(5)
    parent = os.getpid()

    def one(path, state):
        if os.getpid() != parent:
            os._exit(1)
        return Row(str(path), os.getpid(), repr(state))

    got = dict(_collect(files, 2, one))
    assert set(got) == set(files)
    lost = [f for f in files if got[f].pid == -1]
    assert len(lost) == 2  # the one each worker was on
    assert all(got[f].pid == parent and got[f].state == "None" for f in files if f not in lost)


def test_threads_where_asked_or_where_one_worker_would_do(monkeypatch):
    assert workers.usable(2, 10)
    assert not workers.usable(1, 10) and not workers.usable(2, 1)
    monkeypatch.setenv("GRADCHECK_WORKERS", "threads")
    assert not workers.usable(2, 10)


def test_a_worker_told_no_more_ends_while_the_others_still_work(_log):
    """No worker holds the parent's ends of the others' pipes: a worker with no more work ends
    at once, not when the last one (here the second, on a slow file) exits."""
    files = _files(3)

    def one(path, state):
        if path.name == "s01.py":
            time.sleep(1.5)
        return Row(str(path), os.getpid(), "ok")

    slow_done = None
    for path, _row in workers.run(files, 3, TimedState, one, lambda fields: Row(**fields), lambda p, why: Row(str(p), -1, why)):
        if path.name == "s01.py":
            slow_done = time.time()
    closed = [float(t) for t in _log.read_text().split()[1::2]]
    assert len(closed) == 3 and slow_done is not None
    assert sum(t < slow_done - 0.5 for t in closed) == 2, "both quick workers ended while the slow one worked"


class TimedState:
    def close(self) -> None:
        with open(os.environ["WORKERS_TEST_LOG"], "a") as fh:
            fh.write(f"closed {time.time()}\n")


def test_a_worker_that_sends_a_malformed_row_is_ended_and_costs_that_row():
    files = _files(6)

    def one(path, state):
        if path.name == "s02.py":
            workers.json.dumps = lambda *a, **k: '"not a row"'  # in this worker's memory only
        return Row(str(path), os.getpid(), "ok")

    got = dict(_collect(files, 2, one))
    assert set(got) == set(files)
    assert got[files[2]].pid == -1 and "malformed" in got[files[2]].state
    assert all(got[f].state == "ok" for f in files if f != files[2])
    assert workers.json.dumps is not None and workers.json.dumps('"x"') == '"\\"x\\""'  # the parent's is intact


def test_a_row_that_does_not_fit_is_a_lost_row_not_a_crash():
    files = _files(3)
    rows = list(workers.run(files, 2, State, lambda p, s: Row(str(p), os.getpid(), "ok"),
                            lambda fields: Row(**fields, extra=1), lambda p, why: Row(str(p), -1, why)))  # fmt: skip
    assert sorted(str(p) for p, _ in rows) == sorted(map(str, files))
    assert all(r.pid == -1 and "does not fit" in r.state for _, r in rows)
