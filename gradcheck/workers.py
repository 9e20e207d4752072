"""Grading workers in processes of their own, for ``gradcheck grade --jobs N`` on Linux.

The grader's own work per student (the trials it sends, every reply validated, the diagnosis,
the report) is Python holding the GIL: worker threads in one process kept two cores only
1.3-1.4 busy (benchmarks/README.md). Forked workers each hold their own GIL and their own
fork server. The parent hands out one file at a time (its index, a decimal line) and reads
back one JSON line per row; nothing from a worker is unpickled, since a worker talks to
students' children. A worker that dies costs the row it was grading (GC901); the rest go to
the others, and when none is left, to the parent itself.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

_MAX_LINE = 64 << 20  # a row's JSON: findings and checks, never near this


def usable(jobs: int, count: int) -> bool:
    """Whether ``count`` files are graded by ``jobs`` forked workers here (Linux only: fork
    elsewhere is unsafe with the system's BLAS). GRADCHECK_WORKERS=threads keeps threads."""
    if os.environ.get("GRADCHECK_WORKERS", "").strip().lower() == "threads":
        return False
    return jobs > 1 and count > 1 and sys.platform.startswith("linux") and hasattr(os, "fork")


class _Worker:
    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results
        self.current: int | None = None
        self.buffer = b""
        self.ended = self.broken = False


def run(files: list[Path], jobs: int, start: Callable[[], Any], one: Callable[[Path, Any], Any],
        make_row: Callable[[dict], Any], lost: Callable[[Path, str], Any]) -> Iterator[tuple[Path, Any]]:  # fmt: skip
    """(path, row) as each completes. In each worker, ``start()`` gives its state (a fork server)
    and ``one(path, state)`` a row (a dataclass); ``make_row`` rebuilds it from its fields in
    the parent, ``lost(path, why)`` is the row of a file whose worker died."""
    workers: list[_Worker] = []
    for _ in range(min(jobs, len(files))):
        workers.append(_fork(files, start, one, [fd for w in workers for fd in (w.tasks, w.results)]))
    pending = list(range(len(files)))[::-1]
    sel = selectors.DefaultSelector()
    try:
        for w in workers:
            sel.register(w.results, selectors.EVENT_READ, w)
            _next(w, pending)
        while sel.get_map():
            for key, _ in sel.select():
                w = key.data
                for index, fields in _read(w):
                    w.current = None
                    yield files[index], _rebuilt(make_row, fields, lost, files[index])
                    _next(w, pending)
                if w.ended or w.broken:
                    sel.unregister(w.results)
                    if w.current is not None:
                        why = "it sent a malformed row" if w.broken else "it ended unexpectedly"
                        yield files[w.current], lost(files[w.current], f"its grading process failed ({why})")
                        w.current = None
                    _stop(w, wait=not w.broken)
        for index in pending[::-1]:  # every worker died: the parent grades the rest itself
            yield files[index], one(files[index], None)
    finally:
        sel.close()
        for w in workers:
            _stop(w)


def _fork(files: list[Path], start: Callable[[], Any], one: Callable[[Path, Any], Any], others: list[int]) -> _Worker:
    """A worker; ``others``: the parent's ends of the workers forked before (closed in this one,
    or a worker told "no more" would wait for the end of its tasks until this one exits)."""
    task_r, task_w = os.pipe()
    res_r, res_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never returns
        code = 1
        try:
            for fd in (task_w, res_r, *others):
                os.close(fd)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it ends us
            # Fresh stdout/stderr objects: a thread of the parent (a progress bar) may have held
            # the old ones' locks at the fork.
            sys.stdout = open(os.dup(1), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            sys.stderr = open(os.dup(2), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            _serve(files, task_r, res_w, start, one)
            code = 0
        finally:
            os._exit(code)
    os.close(task_r)
    os.close(res_w)
    return _Worker(pid, task_w, res_r)


def _serve(files: list[Path], task_r: int, res_w: int, start: Callable[[], Any], one: Callable[[Path, Any], Any]) -> None:
    with os.fdopen(task_r, "rb") as tasks, os.fdopen(res_w, "wb") as out:
        state = start()
        try:
            for line in tasks:
                index = int(line)
                row = one(files[index], state)
                out.write(json.dumps([index, asdict(row)]).encode() + b"\n")
                out.flush()
        finally:
            close = getattr(state, "close", None)
            if close is not None:
                close()  # before the end of the results: the parent then reaps an exiting process


def _next(w: _Worker, pending: list[int]) -> None:
    if w.tasks < 0:
        return
    if not pending:
        os.close(w.tasks)  # no more: the worker ends
        w.tasks = -1
        return
    w.current = pending.pop()
    try:
        os.write(w.tasks, f"{w.current}\n".encode())
    except OSError:  # it died: the end of its results says so
        pass


def _read(w: _Worker) -> list[tuple[int, dict]]:
    """The rows ``w`` finished; sets ``w.ended`` at the end of its stream and ``w.broken`` on
    a line that is not [the index it was given, {fields}] (it is then killed)."""
    try:
        chunk = os.read(w.results, 1 << 16)
    except OSError:
        chunk = b""
    if not chunk:
        w.ended = True
        return []
    w.buffer += chunk
    out = []
    while b"\n" in w.buffer and not w.broken:
        line, w.buffer = w.buffer.split(b"\n", 1)
        try:
            index, fields = json.loads(line)
        except (ValueError, TypeError):
            index, fields = None, None
        if type(index) is not int or index != w.current or not isinstance(fields, dict) or out:
            w.broken = True  # one file at a time: its own, once
            break
        out.append((index, fields))
    w.broken = w.broken or len(w.buffer) > _MAX_LINE
    return out


def _rebuilt(make_row: Callable[[dict], Any], fields: dict, lost: Callable[[Path, str], Any], path: Path) -> Any:
    try:
        return make_row(fields)
    except (TypeError, ValueError):
        return lost(path, "its grading process sent a row that does not fit")


def _stop(w: _Worker, wait: bool = False) -> None:
    """Close its pipes and reap it: at the end of its results it is exiting (``wait``);
    otherwise (the parent stops early) it is killed."""
    for fd in (w.tasks, w.results):
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass
    w.tasks = w.results = -1
    if w.pid:
        try:
            pid, _status = os.waitpid(w.pid, 0 if wait else os.WNOHANG)
            if pid == 0:
                os.kill(w.pid, signal.SIGKILL)
                os.waitpid(w.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
        w.pid = 0
