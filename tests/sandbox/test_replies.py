"""Forged replies fed straight to the grader's decoder (wire.read_frame + replies.check): no
child process. Each one is refused with a WireError naming the problem, or made safe."""

from __future__ import annotations

import io
import json
import os
import struct
import threading
import time

import numpy as np
import pytest

from gradcheck.sandbox import pumps, replies, wire


def frame(header: dict | bytes, blobs: list[bytes] = ()) -> io.BytesIO:
    if isinstance(header, dict):
        header = json.dumps(dict(header, blobs=[len(b) for b in blobs]), allow_nan=True).encode()
    return io.BytesIO(wire.MAGIC + struct.pack(">I", len(header)) + header + b"".join(blobs))


def read(header: dict | bytes, blobs: list[bytes] = (), budget: replies.Budget | None = None):
    return wire.read_frame(frame(header, blobs), lambda h, n: replies.check(h, budget, n), replies.MAX_HEADER)


def nd(shape, dtype="<f8", b=0) -> dict:
    return {"t": "nd", "cls": "numpy.ndarray", "dtype": dtype, "shape": list(shape), "b": b}


def test_a_real_reply_passes_unchanged():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    value = {"t": "dict", "cls": "builtins.dict", "items": {"dW1": nd((2, 3)), "n": {"t": "float", "cls": "builtins.float", "v": 1.5}}}
    header, blobs = read({"ok": True, "elapsed": 0.01, "value": value, "args_after": [{"t": "same"}], "locals": {}}, [a.tobytes()])
    assert header["value"] == value and header["args_after"] == [{"t": "same"}]
    assert np.array_equal(wire.decode_array(header["value"]["items"]["dW1"], blobs), a)


@pytest.mark.parametrize(
    "header, problem",
    [
        ({"ok": "yes"}, "ok must be true or false"),
        ({"ok": True, "value": ["dW1", 1.0]}, "value must be an encoded value"),
        ({"ok": True, "value": {"t": "dict", "items": [1, 2]}}, "value.items must be a dict"),
        ({"ok": True, "value": {"t": "list", "items": {"a": 1}}}, "value.items must be a list"),
        ({"ok": True, "value": {"t": "pickle"}}, "unknown kind"),
        ({"ok": True, "value": {"t": "float", "v": "1.0"}}, "value.v must be a number"),
        ({"ok": True, "value": {"t": "float", "v": 10**400}}, "value.v must be a number"),
        ({"ok": True, "value": {"t": "bool", "v": 1}}, "value.v must be true or false"),
        ({"ok": True, "value": {"t": "str", "v": ["x"]}}, "value.v must be a string"),
        ({"ok": True, "args_after": {"t": "same"}}, "args_after must be a list"),
        ({"ok": True, "locals": [1]}, "locals must be a dict"),
        ({"ok": True, "functions": "forward"}, "functions must be a list"),
        ({"ok": True, "functions": [1]}, "functions[0] must be a string"),
        ({"ok": True, "itemsize": True}, "itemsize must be an integer"),
        ({"ok": True, "seconds": [0.1]}, "seconds must be a number"),
        ({"ok": False, "error": ["boom"]}, "error must be a dict"),
        ({"ok": False, "error": {"message": {"text": "x"}}}, "error.message must be a string"),
        ({"ok": False, "error": {"frames": [[1, "f"]]}}, "must be [line, function, source]"),
        ({"ok": False, "error": {"frames": [["1", "f", "x = 1"]]}}, "error.frames[0][0] must be an integer"),
        ({"ok": False, "error": {"line": 2**70}}, "error.line must be an integer"),
        ({"ok": False, "error": {"type": "E" * 201}}, "error.type is 201 characters long"),
        ({"ok": True, "extra": {"a": object.__name__, "b": [[[[[[[[[[1]]]]]]]]]]}}, "nests too deeply"),
    ],
)
def test_malformed_fields_are_named(header, problem):
    with pytest.raises(replies.Malformed, match=problem.replace("[", r"\[").replace("]", r"\]")):
        read(header)


@pytest.mark.parametrize(
    "node, blobs, problem",
    [
        (nd((2**70,)), [b""], "value.shape\\[0\\] must be an integer"),
        (nd((2**40, 2**40)), [b""], "describes an array no process can hold"),
        (nd((0, 2**61)), [b""], "describes an array no process can hold"),
        (nd([2] * 33), [b""], "at most 32 sizes"),
        (nd((-1,)), [b""], "must be an integer in"),
        (nd((2.0,)), [b"\0" * 16], "must be an integer in"),
        (nd((2,), dtype="|O"), [b"\0" * 16], "not a numeric dtype"),
        (nd((2,), dtype="no such dtype"), [b"\0" * 16], "is not a dtype"),
        (nd((2,), dtype=["<f8"]), [b"\0" * 16], "value.dtype must be a string"),
        (nd((2,)), [b"\0" * 15], "has 15 bytes for 2 elements"),
        (nd((2,), b=1), [b"\0" * 16], "value.b must be an integer in \\[0, 1\\)"),
        (dict(nd((2,)), digest=5), [b"\0" * 16], "exactly one of"),
        ({"t": "nd", "dtype": "<f8", "shape": [2]}, [], "exactly one of"),
        ({"t": "list", "items": [nd((1,)), nd((1,))]}, [b"\0" * 8], "another value already names"),
        ({"t": "none"}, [b"\0" * 8], "lists 1 arrays' bytes, but 0 values name them"),
    ],
)
def test_malformed_arrays_are_named(node, blobs, problem):
    with pytest.raises(replies.Malformed, match=problem):
        read({"ok": True, "value": node}, blobs)


def test_deep_and_wide_headers_are_refused_before_or_while_parsing():
    deep = b'{"ok":true,"blobs":[],"value":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(wire.WireError, match="nests too deeply"):
        read(deep)
    nested = {"t": "none"}
    for _ in range(replies.MAX_DEPTH + 1):
        nested = {"t": "list", "items": [nested]}
    with pytest.raises(replies.Malformed, match="nests deeper than"):
        read({"ok": True, "value": nested})
    wide = b'{"ok":true,"blobs":[],"x":[' + b",".join([b"[]"] * (wire.MAX_CONTAINERS + 1)) + b"]}"
    with pytest.raises(wire.WireError, match="too many values"):
        read(wide)
    with pytest.raises(wire.WireError, match="frame header too large"):
        read(b"{" + b" " * replies.MAX_HEADER + b"}")


def test_every_string_is_made_encoding_safe():
    header, _ = read(
        {
            "ok": False,
            "error": {"kind": "name", "type": "NameError", "message": "name '\udce9t' is not defined", "name": "\udce9t",
                      "frames": [[3, "f\ud800", "x = \udcff"]]},
            "functions": ["back\ud800"],
        }
    )  # fmt: skip
    assert header["error"]["name"] == "\\udce9t"
    assert header["error"]["frames"] == [[3, "f\\ud800", "x = \\udcff"]]
    assert header["functions"] == ["back\\ud800"]
    json.dumps(header, ensure_ascii=False).encode("utf-8")  # no lone surrogate is left anywhere
    header, _ = read({"ok": True, "value": {"t": "dict", "cls": "builtins.dict", "items": {"dW\udc801": {"t": "none"}}}})
    assert list(header["value"]["items"]) == ["dW\\udc801"]


def test_unknown_fields_are_kept_as_checked_plain_data():
    header, _ = read({"ok": True, "isolation": "landlock+seccomp", "detail": {"levels": ["a\ud800", 1, None]}})
    assert header["isolation"] == "landlock+seccomp" and header["detail"] == {"levels": ["a\\ud800", 1, None]}


def test_the_budget_counts_arrays_as_float64_and_refuses_before_reading_their_bytes():
    budget = replies.Budget(1 << 20)
    bools = np.zeros(100_000, dtype=bool)  # 100 kB of bytes, 800 kB as float64
    read({"ok": True, "value": nd(bools.shape, "|b1")}, [bools.tobytes()], budget)
    assert 800_000 <= budget.used < 900_000
    with pytest.raises(replies.OverBudget, match="memory budget"):
        read({"ok": True, "value": nd(bools.shape, "|b1")}, [bools.tobytes()], budget)

    class NoBytes(io.BytesIO):  # the header is refused before any blob is read
        def readinto(self, view):
            if self.tell() >= self.limit:
                raise AssertionError("a blob was read")
            return super().readinto(view)

    stream = NoBytes(frame({"ok": True, "value": nd((10**6,), "|u1")}, [b"\0" * 10**6]).getvalue())
    stream.limit = len(stream.getvalue()) - 10**6
    with pytest.raises(replies.OverBudget):
        wire.read_frame(stream, lambda h, n: replies.check(h, replies.Budget(1 << 20), n))


def test_a_pipe_held_by_another_process_does_not_block_its_reader():
    r, w = os.pipe()  # w stays open: the "escaped process" that never writes nor closes
    stream = os.fdopen(r, "rb")
    reader = pumps.Reader(stream, replies.Budget(1 << 20))
    drain = pumps.Drain(os.fdopen(os.dup(r), "rb"), 1024)
    reader.start()
    drain.start()
    started = time.monotonic()
    reader.stop()
    drain.finish(0.2)
    reader.join(1.0)
    assert not reader.is_alive() and not drain.is_alive()
    assert time.monotonic() - started < 1.5
    assert reader.frames.get(timeout=1) is None  # stopping ends the frames as an end of file would
    assert stream.closed  # the reader closed its own end
    os.close(w)


def test_a_drain_keeps_reading_an_output_flood_until_told_to_stop():
    r, w = os.pipe()
    stop = threading.Event()

    def flood():
        while not stop.is_set():
            try:
                os.write(w, b"x" * 4096)
            except OSError:
                return

    writer = threading.Thread(target=flood, daemon=True)
    writer.start()
    drain = pumps.Drain(os.fdopen(r, "rb"), 100)
    drain.start()
    drain.finish(0.2)
    assert not drain.is_alive() and len(drain.kept) == 100 and drain.total > 100
    stop.set()
    writer.join(1)  # its write fails (EPIPE) once the drain closed the read end
    os.close(w)
