"""Framing between grader and child: a JSON header plus raw array bytes. No pickle.

A frame is ``MAGIC | u32 header length | header JSON | blob bytes…``; the header's
``blobs`` lists the byte length of each blob. Arrays travel as
``{"t": "nd", "dtype": "<f8", "shape": [...], "b": blob_index, "cls": "numpy.ndarray"}``.

This module is imported by the child too, so it depends only on the standard
library and numpy.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, BinaryIO

import numpy as np

# Bound once, when the child loads this module before the submission, and C functions only:
# a submission that replaces json.dumps, a method of json's classes or struct.pack later
# cannot change what the child sends or reads (sealing.py).
_pack, _unpack = struct.pack, struct.unpack
_blake2b = hashlib.blake2b  # the C type of _blake2
try:
    from _hashlib import hmac_new as _hmac_new  # OpenSSL's HMAC, in C (SHA-256 runs on the CPU's SHA instructions)
except ImportError:  # pragma: no cover - an interpreter without OpenSSL: keyed BLAKE2b, 3-4 x slower
    _hmac_new = None
try:
    from _json import encode_basestring_ascii as _c_ascii
    from _json import make_encoder as _c_make_encoder
    from _json import make_scanner as _c_make_scanner
except ImportError:  # pragma: no cover - an interpreter without json's C speedups
    _encode = json.JSONEncoder(allow_nan=True, separators=(",", ":")).encode
    _decode = json.JSONDecoder().decode
else:
    _CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}

    def _refuse(obj: Any) -> Any:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    def _encode(obj: Any) -> str:
        """As ``json.dumps(obj, separators=(",", ":"))``."""
        return "".join(_c_make_encoder({}, _refuse, _c_ascii, None, ":", ",", False, False, True)(obj, 0))

    _scan = _c_make_scanner(
        SimpleNamespace(strict=True, object_hook=None, object_pairs_hook=None, parse_float=float, parse_int=int,
                        parse_constant=_CONSTANTS.__getitem__, memo={})
    )  # fmt: skip

    def _decode(text: str) -> Any:
        """As ``json.loads(text)``."""
        start = len(text) - len(text.lstrip(" \t\n\r"))
        try:
            value, end = _scan(text, start)
        except StopIteration as exc:
            raise ValueError(f"Expecting value: char {exc.value}") from None
        if len(text[end:].lstrip(" \t\n\r")):
            raise ValueError(f"Extra data: char {end}")
        return value

MAGIC = b"GCW1"
MAX_HEADER = 64 << 20
MAX_FRAME = 2 << 30
MAX_CONTAINERS = 400_000  # JSON objects and arrays in one header
# dtype kinds the grader accepts back from the child; object, void, string never.
SAFE_KINDS = frozenset("fiubc")


class StudentRef(tuple):
    """An argument that is a value the student's own code returned earlier in the trial
    (their cache): ``(entry, path)``. The child resolves it; it never leaves the child."""

    __slots__ = ()

    def __new__(cls, entry: str, path: tuple = ()):
        return super().__new__(cls, (entry, tuple(path)))


class WireError(Exception):
    """A malformed or oversized frame."""


class WriteTimeout(TimeoutError):
    """The reader stopped reading: the frame was not written within its deadline."""


def write_frame(stream: BinaryIO, header: dict, blobs: list[bytes], timeout: float | None = None) -> None:
    """Write one frame. With ``timeout`` (the grader's side) the write never blocks longer
    than that: a reader that stops reading (stopped by a signal, or a process that escaped
    the child holding the pipe) raises WriteTimeout instead of blocking the grader for ever
    once a frame is bigger than the pipe."""
    header = dict(header, blobs=[len(b) for b in blobs])
    data = _encode(header).encode("utf-8")
    head = MAGIC + _pack(">I", len(data)) + data
    if timeout is not None and _write_within(stream, [head, *blobs], timeout):
        return
    stream.write(head)
    for blob in blobs:
        stream.write(blob)
    stream.flush()


def _write_within(stream: BinaryIO, parts: list, timeout: float) -> bool:
    """Write ``parts`` to the stream's fd, non-blocking, waiting with poll() for room until
    ``timeout`` seconds have passed. False where that is not possible (no poll: Windows),
    and the caller writes as before. The fd is made blocking again before returning, so the
    stream stays usable; it is never closed here."""
    import os
    import time

    try:
        import select

        fd = stream.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        stream.flush()  # (nothing is buffered by the grader's writes; kept in order anyway)
        os.set_blocking(fd, False)
    except (ImportError, AttributeError, OSError, ValueError):
        return False
    deadline = time.monotonic() + timeout
    try:
        for part in parts:
            view = memoryview(part).cast("B")
            while len(view):
                try:
                    view = view[os.write(fd, view) :]
                    continue
                except BlockingIOError:
                    pass
                left = deadline - time.monotonic()
                if left <= 0 or not poller.poll(max(1, int(left * 1000))) and time.monotonic() >= deadline:
                    raise WriteTimeout(f"the reader took none of {len(view)} bytes within {timeout:g} s")
    finally:
        try:
            os.set_blocking(fd, True)
        except OSError:
            pass
    return True


def fingerprint(a: np.ndarray) -> int:
    """CRC-32 of an array's bytes (its dtype and shape are compared apart). It catches every
    change of one or two bits (one or two flipped signs) in arrays under 512 MB and every
    change within 32 consecutive bits; any other change escapes it with probability about
    2⁻³². The child sends this instead of a big array the grader only needs to tell equal or
    not (the determinism repeat): 3 ms for 20 MB, where sending them takes 9."""
    import zlib

    return zlib.crc32(memoryview(np.ascontiguousarray(a).reshape(-1).view(np.uint8)))


BIG_BLOB = 4 << 20  # bytes from which a blob is read into numpy memory


def _read_exact(stream: BinaryIO, n: int) -> bytearray | memoryview:
    """Exactly n bytes, read into one writable buffer (no chunk copies). A big one is numpy
    memory, which numpy asks the kernel to back with huge pages: a 20 MB blob then costs ten
    page faults, not five thousand."""
    view = memoryview(np.empty(n, dtype=np.uint8)) if n >= BIG_BLOB else memoryview(buf := bytearray(n))
    got = 0
    while got < n:
        k = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not k:
            raise EOFError("stream closed")
        got += k
    return view if n >= BIG_BLOB else buf


def read_frame(stream: BinaryIO, check: Callable[[dict, int], dict] | None = None, max_header: int = MAX_HEADER) -> tuple[dict, list[bytes]]:
    """One frame. ``check(header, its size in bytes)`` sees (and may refuse, or rebuild) the
    header before any of its blobs is read: what it refuses costs no memory."""
    head = _read_exact(stream, 8)
    if bytes(head[:4]) != MAGIC:
        raise WireError("bad frame magic")
    (size,) = _unpack(">I", bytes(head[4:]))
    if size > max_header:
        raise WireError(f"frame header too large ({size} bytes, at most {max_header})")
    raw = bytes(_read_exact(stream, size))
    if raw.count(b"{") + raw.count(b"[") > MAX_CONTAINERS:  # before parsing: each costs a Python object
        raise WireError("frame header holds too many values")
    try:
        header = _decode(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError(f"frame header is not JSON: {exc}") from None
    except RecursionError:
        raise WireError("frame header nests too deeply") from None
    if not isinstance(header, dict):
        raise WireError("frame header is not an object")
    sizes = header.get("blobs", [])
    if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes):
        raise WireError("bad blob list")
    if sum(sizes) > MAX_FRAME:
        raise WireError("frame too large")
    if check is not None:
        header = check(header, size)
    return header, [_read_exact(stream, s) for s in sizes]


def encode_array(arr: np.ndarray, blobs: list[bytes]) -> dict:
    """Encode a plain numeric array (the grader's own inputs)."""
    arr = np.asarray(arr)
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would turn a 0-d value into shape (1,))
    blobs.append(memoryview(arr.reshape(-1).view(np.uint8)))  # written from the array itself: no 20 MB copy
    return {"t": "nd", "cls": "numpy.ndarray", "dtype": arr.dtype.str, "shape": list(arr.shape), "b": len(blobs) - 1}


def encode_tree(value: Any, blobs: list[bytes], sent: dict | None = None) -> Any:
    """Encode the grader's template-built values: arrays, dicts, lists/tuples, floats.

    ``sent`` (id → array) remembers arrays the child already holds: those travel as a
    reference instead of their bytes (a 20 MB X is sent once per child, not per call).
    """
    if isinstance(value, StudentRef):
        return {"t": "sref", "fn": value[0], "path": list(value[1])}
    if isinstance(value, np.ndarray):
        key = f"a{id(value)}"
        if sent is not None and sent.get(key) is value:
            return {"t": "ref", "k": key}
        node = encode_array(value, blobs)
        if sent is not None and value.nbytes >= 1 << 16:
            sent[key] = value  # kept alive here, so the id cannot be reused while the key is known
            node["k"] = key
        return node
    if isinstance(value, dict):
        return {"t": "dict", "items": {str(k): encode_tree(v, blobs, sent) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"t": "tuple" if isinstance(value, tuple) else "list", "items": [encode_tree(v, blobs, sent) for v in value]}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return {"t": "float" if isinstance(value, (float, np.floating)) else "int", "v": float(value)}
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode_array(node: dict, blobs: list[bytes]) -> np.ndarray:
    """Rebuild an array, accepting only numeric dtypes and consistent sizes."""
    try:
        dtype = np.dtype(str(node["dtype"]))
        shape = tuple(int(s) for s in node["shape"])
        blob = blobs[int(node["b"])]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise WireError(f"bad array node: {exc}") from None
    if dtype.kind not in SAFE_KINDS or dtype.hasobject or len(shape) > 32 or any(s < 0 for s in shape):
        raise WireError(f"refused dtype {dtype.str}")
    if isinstance(blob, np.ndarray):  # the grader's own array, named by the child instead of sent back
        if blob.dtype != dtype or blob.shape != shape:
            raise WireError("array does not match the grader's own array it names")
        view = blob.view()
        view.flags.writeable = False
        return view
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count * dtype.itemsize != len(blob):
        raise WireError("array size does not match its bytes")
    if isinstance(blob, (bytearray, memoryview)):  # a frame's own buffer: the array may keep it, no copy
        return np.frombuffer(blob, dtype=dtype).reshape(shape)
    return np.frombuffer(blob, dtype=dtype).reshape(shape).copy()


# -- sealed replies ------------------------------------------------------------------------
# The child's file descriptors are the submission's too: it could write a reply of its own on
# the grader's channel, or take the channel over. Each reply is therefore sealed with a key the
# grader sends in the first frame, before the submission runs (kept where the submission's code
# cannot reach it: sealing.py): an HMAC-SHA256 over the reply's number, the request it answers,
# its header and the bytes of the arrays a call changed (sealed_refs). The grader checks every
# seal (runner.Sandbox._wait).
UNSEALED = ("blobs", "mac", "key")  # header fields outside the seal: added by write_frame, the seal, the key


def sealed_body(header: dict) -> bytes:
    """The header as the seal covers it: its JSON without UNSEALED fields, key order kept (the
    grader re-encodes what it parsed, and gets the child's bytes back)."""
    return _encode({k: v for k, v in header.items() if k not in UNSEALED}).encode("utf-8")


def request_digest(header: dict) -> bytes:
    """What a reply's seal says it answers."""
    return _blake2b(sealed_body(header), digest_size=16).digest()


def sealed_refs(header: dict) -> list[int]:
    """The blobs a seal covers: those of ``args_after``, what the child saw a call change. The
    others hold what the submission's functions returned, which they could have returned
    anyway; hashing them would cost a cat-size check two passes over a 20 MB dA0."""
    refs: list[int] = []
    todo = [(header.get("args_after"), 0)]
    while todo:
        node, depth = todo.pop()
        if depth > 64:
            continue
        if type(node) is dict:
            if type(node.get("b")) is int:
                refs.append(node["b"])
            todo.extend((v, depth + 1) for v in node.values() if type(v) in (dict, list))
        elif type(node) is list:
            todo.extend((v, depth + 1) for v in node if type(v) in (dict, list))
    return sorted(set(refs))


def seal(key: bytes, number: int, request: bytes, body: bytes, blobs: list) -> str:
    """The seal of reply ``number`` (0 for the child's hello) to the request digested as ``request``."""
    h = _hmac_new(key, digestmod="sha256") if _hmac_new is not None else _blake2b(key=key)
    h.update(_pack(">Q", number))
    h.update(request)
    h.update(_pack(">Q", len(body)))
    h.update(body)
    for blob in blobs:
        h.update(_pack(">Q", memoryview(blob).nbytes))
        h.update(blob)
    return h.hexdigest()
