"""The grader's readers of the child's pipes: protocol frames and the student's output.

Each pipe is read by one thread that never blocks the grader. A process that escaped the
child may hold a pipe's write end for ever, so the end of the file may never come: every
read waits at most ``POLL`` seconds for data before it looks whether it was told to stop,
and the reading thread closes the stream itself once it has stopped. The grader never
closes a stream under a reader blocked in it (a buffered stream's close waits for that
read, for ever), and never frees an fd number a reader might still use. Where poll() is
missing (Windows) the reads block as before: there the child's descendants die with it.
"""

from __future__ import annotations

import os
import queue
import threading

from . import replies, wire

POLL = 0.05  # seconds a read waits before looking whether it should stop


class Pipe:
    """The read end of a pipe, read through its fd (not the buffered stream), that gives up
    when ``stopping`` is set."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.stopping = threading.Event()
        self.poller = None
        try:
            import select

            self.fd = stream.fileno()
            self.poller = select.poll()
            self.poller.register(self.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        except (ImportError, AttributeError, OSError, ValueError):
            self.poller = None

    def _ready(self) -> bool:
        """Wait until the fd can be read (data, or the end); False once told to stop."""
        while not self.stopping.is_set():
            if self.poller.poll(int(POLL * 1000)):  # type: ignore[union-attr]
                return True
        return False

    def readinto(self, view) -> int:
        if self.poller is None:
            return self.stream.readinto(view)
        return os.readv(self.fd, [view]) if self._ready() else 0

    def read1(self, n: int) -> bytes:
        if self.poller is None:
            return self.stream.read1(n) if hasattr(self.stream, "read1") else self.stream.read(n)
        return os.read(self.fd, n) if self._ready() else b""

    def close(self) -> None:
        try:
            self.stream.close()
        except OSError:
            pass


class Drain(threading.Thread):
    """Reads the student's output to the end, keeping at most ``cap`` bytes."""

    def __init__(self, stream, cap: int) -> None:
        super().__init__(daemon=True)
        self.pipe, self.cap = Pipe(stream), cap
        self.kept = bytearray()
        self.total = 0

    def run(self) -> None:
        try:
            while True:
                chunk = self.pipe.read1(65536)
                if not chunk:
                    return
                self.total += len(chunk)
                room = self.cap - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
        except (OSError, ValueError):
            return
        finally:
            self.pipe.close()

    def finish(self, grace: float) -> None:
        """The output up to its end, or up to ``grace`` seconds from now when something else
        still holds the pipe; then the reading stops (within POLL seconds)."""
        self.join(grace)
        self.pipe.stopping.set()
        self.join(4 * POLL)


class Reader(threading.Thread):
    """Reads protocol frames into a queue, so waits can time out on every platform. Each
    header is checked (replies.check) and charged to ``budget`` before its arrays are read."""

    def __init__(self, stream, budget: replies.Budget | None = None) -> None:
        super().__init__(daemon=True)
        self.pipe = Pipe(stream)
        self.budget = budget
        self.frames: queue.Queue = queue.Queue()  # (header, blobs, (seal, sealed body, sealed blobs)), None at the end, or the error
        self._proof: tuple = (None, b"", [])

    def _check(self, header: dict, size: int) -> dict:
        mac = header.get("mac")
        self._proof = (mac if type(mac) is str else None, wire.sealed_body(header), wire.sealed_refs(header))  # before the rebuild
        return replies.check(header, self.budget, size)

    def run(self) -> None:
        try:
            while True:
                try:
                    header, blobs = wire.read_frame(self.pipe, self._check, replies.MAX_HEADER)  # type: ignore[arg-type]
                    self.frames.put((header, blobs, self._proof))
                except EOFError:
                    self.frames.put(None)
                    return
                except (wire.WireError, OSError, ValueError) as exc:
                    self.frames.put(exc)
                    return
                except Exception as exc:  # noqa: BLE001 - whatever a forged frame causes is the child's failure
                    self.frames.put(replies.Malformed(f"the process answered with an unreadable message ({type(exc).__name__})"))
                    return
        finally:
            self.pipe.close()

    def stop(self) -> None:
        """No more frames are wanted: the thread ends within POLL seconds (not waited for)."""
        self.pipe.stopping.set()

