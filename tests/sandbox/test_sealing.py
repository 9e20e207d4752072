"""The child's own code is out of the submission's reach (sandbox/sealing.py): what the
submission patches or looks for, from import on, changes nothing the child reports."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from gradcheck.sandbox import sealing, wire
from gradcheck.sandbox.runner import Sandbox

PROBE = textwrap.dedent(
    """
    import builtins, gc, json, signal, sys, types
    import numpy as np

    def _classes():
        seen, todo = [], [object]
        while todo:
            try:
                subs = type.__subclasses__(todo.pop())
            except TypeError:
                continue
            seen.extend(subs)
            todo.extend(subs)
        return seen

    def _refused(fn):
        try:
            fn()
        except PermissionError:
            return "refused"
        except AttributeError:
            return "absent"
        return "allowed"

    def reach():
        child_classes = sorted(
            c.__name__ for c in _classes()
            if c.__module__.startswith("_gradcheck") and c.__module__ != "_gradcheck_loading"
            and any(type(v) is types.FunctionType for v in vars(c).values())
        )
        try:
            raise ValueError("x")
        except ValueError as exc:
            tb = exc.__traceback__
        gen = (i for i in [1])
        return {
            "classes": ",".join(child_classes),
            "main": ",".join(sorted(k for k in vars(sys.modules["__main__"]) if not k.startswith("__"))),
            "getframe": _refused(lambda: sys._getframe()),
            "settrace": _refused(lambda: sys.settrace(None)),
            "gettrace": _refused(lambda: sys.gettrace()),
            "get_objects": _refused(gc.get_objects),
            "get_referrers": _refused(lambda: gc.get_referrers(tb)),
            "tb_frame": _refused(lambda: tb.tb_frame),
            "gi_frame": _refused(lambda: gen.gi_frame),
            "handler": _refused(lambda: signal.signal(signal.SIGUSR1, lambda signum, frame: frame)),
        }

    # From import on, every Python-level helper a comparison or a reply could go through says "same".
    builtins.isinstance = lambda obj, cls: True
    builtins.all = lambda it: True
    np.array_equal = lambda *a, **k: True
    np.ndarray.__module__  # (numpy's C types themselves cannot be patched)
    np._core._methods._all = lambda *a, **k: True
    json.JSONEncoder.iterencode = lambda self, o, _one_shot=False: iter(['{"ok":true,"forged":1}'])
    json.dumps = lambda *a, **k: '{"ok":true,"forged":1}'

    def overwrite(a, d):
        a[...] = 0.0
        d["w"][...] = 2.0
        return 1.0

    def crash(x):
        return x[10]

    def forge(x):
        # a reply of its own on the child's reply pipe, well-formed and unsealed
        import os, stat, struct
        err = os.fstat(2).st_ino
        data = b'{"ok":true,"value":{"t":"float","v":7.0},"blobs":[]}'
        for fd in range(3, 256):
            try:
                st = os.fstat(fd)
                if stat.S_ISFIFO(st.st_mode) and st.st_ino != err:
                    os.write(fd, b"GCW1" + struct.pack(">I", len(data)) + data)
                    break
            except OSError:
                continue
        return 1.0
    """
)


@pytest.fixture()
def probe(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text(PROBE, encoding="utf-8")
    with Sandbox(path, timeout=20) as box:
        assert box.start().ok
        yield box


def test_the_child_leaves_no_class_and_no_route_to_its_frames(probe):
    reply = probe.call("reach", [])
    assert reply.ok, reply.failure
    got = {k: v["v"] for k, v in reply.header["value"]["items"].items()}
    # object.__subclasses__() leads to none of the child's code (loading.py's import finder and
    # stand-ins are the submission's side: their module holds nothing of the child's)
    assert got["classes"] == ""
    assert got["main"] == ""  # __main__ is no longer the child script
    assert got["getframe"] == got["gettrace"] == "absent"
    assert got["settrace"] == "absent"
    assert got["get_objects"] == got["get_referrers"] == got["tb_frame"] == got["gi_frame"] == "refused"
    if "seccomp" in probe.isolation:  # a signal handler is handed the frame it interrupts
        assert got["handler"] == "refused"


def test_patched_helpers_do_not_hide_an_in_place_write(probe):
    a, d = np.arange(6.0).reshape(2, 3), {"w": np.ones((2, 2))}
    reply = probe.call("overwrite", [a, d])
    assert reply.ok, reply.failure
    assert "forged" not in reply.header
    after = reply.header["args_after"]
    assert after[0] != {"t": "same"}  # a[...] = 0 reported, whatever numpy's and the builtins' helpers say
    assert after[1]["items"]["w"] != {"t": "same"}


def test_a_submission_that_logs_still_runs(tmp_path):
    """logging asks for its caller's frame (sys._getframe, gone): the child hands it none."""
    path = tmp_path / "logs.py"
    path.write_text("import logging\n\ndef logs(x):\n    logging.getLogger('student').warning('checking %s', x.shape)\n    return x * 2.0\n")
    with Sandbox(path, timeout=20) as box:
        assert box.start().ok
        reply = box.call("logs", [np.ones(2)])
    assert reply.ok, reply.failure


def test_a_crash_still_names_the_submissions_line(probe):
    reply = probe.call("crash", [np.zeros(3)])
    assert not reply.ok
    assert reply.failure.frames and reply.failure.frames[-1][1] == "crash"
    assert "x[10]" in reply.failure.frames[-1][2]


def test_a_reply_the_child_did_not_write_is_refused(probe):
    reply = probe.call("forge", [np.zeros(2)])
    assert not reply.ok
    assert reply.failure.kind == "protocol" and "seal" in reply.failure.message


def test_a_seal_covers_the_number_the_request_the_header_and_every_byte():
    key, blobs = b"k" * 16, [memoryview(np.arange(3.0).view(np.uint8))]
    request = wire.request_digest({"op": "call", "fn": "f", "blobs": [24]})
    body = wire.sealed_body({"ok": True, "value": {"t": "float", "v": 1.5}, "mac": "x", "blobs": [24]})
    mac = wire.seal(key, 3, request, body, blobs)
    assert mac == wire.seal(
        key, 3, request, wire.sealed_body(wire._decode(wire._encode({"ok": True, "value": {"t": "float", "v": 1.5}}))), blobs
    )
    assert mac != wire.seal(b"j" * 16, 3, request, body, blobs)
    assert mac != wire.seal(key, 4, request, body, blobs)
    assert mac != wire.seal(key, 3, wire.request_digest({"op": "call", "fn": "g"}), body, blobs)
    assert mac != wire.seal(key, 3, request, wire.sealed_body({"ok": True, "value": {"t": "float", "v": 1.25}}), blobs)
    assert mac != wire.seal(key, 3, request, body, [memoryview(np.arange(1.0, 4.0).view(np.uint8))])


def test_a_seal_covers_the_arrays_of_changed_arguments():
    header = {"ok": True, "value": {"t": "nd", "b": 0}, "args_after": [{"t": "same"}, {"t": "dict", "items": {"w": {"t": "nd", "b": 2}}}, {"t": "nd", "b": 1}]}
    assert wire.sealed_refs(header) == [1, 2]  # not the returned value's (the function could return anything)
    assert wire.sealed_refs({"ok": True, "value": {"t": "nd", "b": 0}}) == []


def test_refusal_reads_the_gate():
    import threading

    gate = [0]
    assert sealing.refusal("sys.setprofile", (), gate)
    assert sealing.refusal("object.__getattr__", (object(), "tb_frame"), gate)
    assert sealing.refusal("object.__getattr__", (object(), "__code__"), gate) is None
    gate[0] = threading.get_ident()
    assert sealing.refusal("sys.setprofile", (), gate) is None
    assert sealing.refusal("gc.get_objects", (), gate)  # never, gate or not
    other: list = []
    thread = threading.Thread(target=lambda: other.append(sealing.refusal("sys.setprofile", (), gate)))
    thread.start()
    thread.join()
    assert other[0]  # open for the child's own thread only


def test_a_sealed_class_makes_objects_with_bound_methods_and_no_class():
    class Counter:
        step = 2

        def __init__(self, start: int) -> None:
            self.n = start

        def bump(self) -> int:
            self.n += self.step
            return self.n

    make = sealing.factory(Counter)
    obj = make(1)
    assert obj.bump() == 3 and obj.bump() == 5
    Counter.bump = lambda self: -1  # patching the class afterwards changes nothing
    assert obj.bump() == 7
    assert type(obj).__name__ == "SimpleNamespace"
