"""The grader's request write has a deadline: a child that stops reading cannot block it."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from gradcheck.sandbox import wire
from gradcheck.sandbox.runner import Sandbox

posix_only = pytest.mark.skipif(os.name != "posix", reason="poll() on pipes (elsewhere the write blocks as before)")


@posix_only
def test_write_to_a_pipe_nobody_reads_times_out_and_leaves_the_stream_usable():
    r, w = os.pipe()
    stream = os.fdopen(w, "wb")
    try:
        started = time.monotonic()
        with pytest.raises(wire.WriteTimeout):
            wire.write_frame(stream, {"op": "call"}, [b"\0" * (8 << 20)], timeout=0.3)  # far bigger than any pipe
        assert 0.25 < time.monotonic() - started < 3
        assert os.get_blocking(w)  # blocking again: the stream is not broken for later use
    finally:
        stream.close()
        os.close(r)


@posix_only
def test_write_with_a_deadline_delivers_the_whole_frame_to_a_reader():
    r, w = os.pipe()
    blob = np.arange(1 << 20, dtype=np.float64)  # 8 MB, many pipe-fulls
    got: list = []
    reader = threading.Thread(target=lambda: got.append(wire.read_frame(os.fdopen(r, "rb"))))
    reader.start()
    with os.fdopen(w, "wb") as stream:
        blobs: list = []
        node = wire.encode_array(blob, blobs)
        wire.write_frame(stream, {"op": "call", "x": node}, blobs, timeout=30)
    reader.join(30)
    header, blobs = got[0]
    assert header["op"] == "call" and np.array_equal(wire.decode_array(header["x"], blobs), blob)


SOURCE = """
def total(x):
    return float(x.sum())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to see the child stopped")
def test_a_child_that_stops_reading_is_a_timeout_not_a_hang(tmp_path, monkeypatch):
    # Below bubblewrap, so that the process the grader started is the child itself.
    monkeypatch.setenv("GRADCHECK_ISOLATION", "landlock+seccomp")
    path = tmp_path / "sub.py"
    path.write_text(SOURCE)
    with Sandbox(path, timeout=1.0) as sb:
        assert sb.start().ok
        assert sb.call("total", [np.ones((3, 2))]).ok
        os.kill(sb.proc.pid, signal.SIGSTOP)  # stops reading, as a child that stops itself would
        for _ in range(500):  # until the child is stopped (state T)
            with open(f"/proc/{sb.proc.pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "T":
                    break
            time.sleep(0.01)
        started = time.monotonic()
        reply = sb.call("total", [np.ones((2000, 1000))])  # 16 MB: more than the pipe holds
        assert time.monotonic() - started < 5
        assert not reply.ok and reply.failure.kind == "timeout" and "stopped reading" in reply.failure.message
        assert sb.proc is None  # killed; the next call starts a new child
        again = sb.call("total", [np.ones((3, 2))])
        assert again.ok and again.header


def test_without_a_deadline_the_write_is_unchanged():
    buf = io.BytesIO()
    wire.write_frame(buf, {"op": "exit"}, [])
    buf.seek(0)
    assert wire.read_frame(buf)[0]["op"] == "exit"
