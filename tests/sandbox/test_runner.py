"""The child process as the engine uses it: calls, batched evaluations, remembered replies."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from gradcheck.sandbox import wire
from gradcheck.sandbox.runner import Sandbox

SOURCE = '''
import numpy as np

STATE = np.zeros((300, 300))


def cost(X, W):
    return float(np.sum((W @ X) ** 2))


def cost_writing_into_x(X, W):
    X *= 1.0  # writes into its input (the same values): a read-only X makes this raise
    X[0, 0] = X[0, 0]
    return float(np.sum((W @ X) ** 2))


def same_global(x):
    STATE[:] += 1.0  # the very array returned last time, changed in place
    return STATE


def fresh(x):
    return np.ones((300, 300)) * x


CALLS = [0]


def backward(x):
    return 2.0 * x


def check_with_backward(x):
    return backward(x) - 2.0 * x  # 0 unless backward is not this file's




SEEN: list = []


def where(x):
    SEEN.append(x)  # kept: an id is never reused while its object lives
    return float(len({id(a) for a in SEEN}))  # how many different argument objects so far


def two_signs_flip(x):
    CALLS[0] += 1
    out = np.linspace(1.0, 2.0, 90000).reshape(300, 300) * x
    if CALLS[0] > 1:
        out[0, 0], out[7, 7] = -out[0, 0], -out[7, 7]  # a change a plain sum of the words would not see
    return out


def chatty(x):
    print("no newline at the end", end="")
    return x


def scale_in_place(X):
    X *= 2.0  # a big input written into: lent read-only, this raises and is run again on a copy
    return float(X.sum())


def read_only_sum(X):
    return float(X.sum()), bool(X.flags.writeable)


def write_anyway(X):
    X.base.flags.writeable = True  # a lent view's store made writable: nothing can be vouched for
    return float(X.sum())


def keep_in_cache(X):
    return X.sum(), (X, 1.0)


def write_into_cache(cache):
    cache[0][0, 0] = 5.0  # the lent X an earlier call kept in its cache
    return float(cache[0][0, 0])


def flag_on_the_view(X):
    X.setflags(write=True)  # allowed on the lent view itself: its memory is then not vouched for
    X[0, 0] = -1.0
    return float(X[0, 0])


CACHED = {}


def cache_read_only(X):
    CACHED["c"] = np.broadcast_to(np.ones(3), (2, 3))  # read-only, but not lent: writing fails as in a notebook
    return 1.0


def write_read_only_cache(X):
    CACHED["c"][0, 0] = 2.0
    return 1.0


def resize_input(X):
    X.resize((X.size,), refcheck=False)
    return float(X.shape[0])


def keep_in_named_cache(X):
    from collections import namedtuple

    Cache = namedtuple("Cache", "A b")
    return X.sum(), Cache(X, 1.0)


def write_into_named_cache(cache):
    cache.A[0, 0] = 5.0
    return float(cache.A[0, 0])


class Starter:
    def __del__(self):
        import threading

        threading.Thread(target=threading.Event().wait, daemon=True).start()


def returns_a_starter(x):
    return [x, Starter()]  # not kept: the child drops it after its reply


def busy_in_background(x):
    import threading
    import time

    def spin():
        while True:
            print(".", end="", flush=True)
            time.sleep(0.001)

    threading.Thread(target=spin, daemon=True).start()
    return x
'''


@pytest.fixture
def sandbox(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    box = Sandbox(path, timeout=20)
    assert box.start().ok
    yield box
    box.close()


def _slopes(box, fn, env, perturb):
    steps = [{"call": fn, "args": ["X", "W"], "bind": "J"}]
    reply = box.pipeline(steps, env, perturb)
    assert reply.ok, reply.failure
    plus = wire.decode_array(reply.header["plus"], reply.blobs)
    minus = wire.decode_array(reply.header["minus"], reply.blobs)
    return reply.header["base"], plus, minus


def test_pipeline_gives_code_that_writes_into_its_inputs_fresh_copies(sandbox):
    rng = np.random.default_rng(0)
    env = {"X": rng.standard_normal((4, 3)), "W": rng.standard_normal((2, 4))}
    perturb = [{"param": "W", "index": i, "h": 1e-5} for i in range(8)]
    clean = _slopes(sandbox, "cost", env, perturb)
    writing = _slopes(sandbox, "cost_writing_into_x", env, perturb)
    assert clean[0] == writing[0]
    assert np.array_equal(clean[1], writing[1]) and np.array_equal(clean[2], writing[2])


def _digest_differs(first, again) -> bool:
    node = again.header["value"]
    assert "digest" in node and "b" not in node  # a fingerprint, not the bytes
    return wire.fingerprint(wire.decode_array(first.header["value"], first.blobs)) != node["digest"]


def test_a_repeat_sends_fingerprints_that_tell_a_changed_array(sandbox):
    first = sandbox.call("same_global", [1.0])
    again = sandbox.call("same_global", [1.0], digest=True)  # the very array, changed in place
    assert first.ok and again.ok and _digest_differs(first, again)


def test_an_equal_array_has_the_same_fingerprint(sandbox):
    first = sandbox.call("fresh", [2.0])
    again = sandbox.call("fresh", [2.0], digest=True)
    assert not _digest_differs(first, again)


def test_two_flipped_signs_change_the_fingerprint(sandbox):
    first = sandbox.call("two_signs_flip", [1.0])
    again = sandbox.call("two_signs_flip", [1.0], digest=True)
    assert _digest_differs(first, again)


def test_a_repeat_reuses_arguments_its_first_call_left_unchanged(sandbox):
    x = np.ones((200, 200))
    first = sandbox.call("where", [x], spare="w")
    again = sandbox.call("where", [x], reuse="w")
    other = sandbox.call("where", [x])
    assert [r.header["value"]["v"] for r in (first, again, other)] == [1.0, 1.0, 2.0]


def test_output_without_a_newline_survives_closing(sandbox):
    assert sandbox.call("chatty", [1.0]).ok
    sandbox.close()
    assert "no newline at the end" in sandbox.output


def test_finish_completes_the_output_and_kills_at_once(sandbox):
    from gradcheck.sandbox import runner

    assert sandbox.call("chatty", [1.0]).ok
    proc = sandbox.proc
    sandbox.finish()
    assert "no newline at the end" in sandbox.output and sandbox.proc is None
    runner.reap_all()
    assert proc.poll() is not None


def test_finish_with_the_submission_still_running_in_a_thread(sandbox):
    from gradcheck.sandbox import runner

    assert sandbox.call("busy_in_background", [1.0]).ok
    proc = sandbox.proc
    sandbox.finish()
    runner.reap_all()
    assert proc.poll() is not None
    assert sandbox.output.startswith(".") or sandbox.output == ""


def test_a_call_says_how_many_threads_it_left_running(sandbox):
    first = sandbox.call("busy_in_background", [1.0])
    assert first.ok and first.header["threads"] == 1  # the thread still spins (GC108)
    assert "threads" not in sandbox.call("backward", [1.0]).header  # started none: the spinning one is not its


def test_a_thread_started_between_calls_shows_at_the_next_return(sandbox):
    first = sandbox.call("returns_a_starter", [1.0])
    assert first.ok and "threads" not in first.header and "running" not in first.header  # the starter is dropped after the reply
    second = sandbox.call("backward", [1.0])
    assert second.ok and second.header["running"] == 1 and "threads" not in second.header


def test_an_import_says_how_many_threads_it_left_running(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text("import threading\nthreading.Thread(target=threading.Event().wait, daemon=True).start()\n", encoding="utf-8")
    box = Sandbox(path, timeout=20)
    try:
        reply = box.start()
        assert reply.ok and reply.header["threads"] == 1  # it waits forever
    finally:
        box.close()




BIG = np.arange(100 * 100, dtype=np.float64).reshape(100, 100)  # 80 KB: sent once, with a key


def test_big_inputs_are_lent_read_only_and_vouched_unchanged(sandbox):
    reply = sandbox.call("read_only_sum", [BIG])
    assert reply.ok, reply.failure
    assert reply.header["value"]["items"][1]["v"] is False  # no copy of it was made
    assert reply.header["args_after"] == [{"t": "same"}]


def test_code_writing_into_a_big_input_runs_again_on_a_copy(sandbox):
    reply = sandbox.call("scale_in_place", [BIG])
    assert reply.ok, reply.failure
    assert reply.header["value"]["v"] == 2.0 * BIG.sum()  # one run on a copy: doubled once
    changed = wire.decode_array(reply.header["args_after"][0], reply.blobs)
    assert np.array_equal(changed, 2.0 * BIG)  # the change is reported
    again = sandbox.call("read_only_sum", [BIG])  # and the child's own copy is untouched
    assert again.header["value"]["items"][0]["v"] == BIG.sum()


def test_a_lent_input_made_writable_is_not_vouched_for(sandbox):
    reply = sandbox.call("write_anyway", [BIG])
    assert reply.ok, reply.failure
    assert reply.header["args_after"] != [{"t": "same"}]


def test_a_lent_array_kept_in_a_cache_can_be_written_later(sandbox):
    first = sandbox.call("keep_in_cache", [BIG], keep="fwd")
    assert first.ok, first.failure
    assert first.header["value"]["items"][1]["items"][0].get("sent")  # named, not sent back
    later = sandbox.call("write_into_cache", [wire.StudentRef("fwd", (1,))])
    assert later.ok, later.failure
    assert later.header["value"]["v"] == 5.0


def test_a_lent_view_made_writable_is_not_vouched_for(sandbox):
    reply = sandbox.call("flag_on_the_view", [BIG])
    assert reply.ok, reply.failure
    assert reply.header["args_after"] != [{"t": "same"}]


def test_only_lent_memory_is_run_again(sandbox):
    assert sandbox.call("cache_read_only", [BIG]).ok
    reply = sandbox.call("write_read_only_cache", [BIG])
    assert not reply.ok and "read-only" in reply.failure.message  # its own read-only array: fails as it would anywhere


def test_resizing_a_lent_input_runs_again_on_a_copy(sandbox):
    reply = sandbox.call("resize_input", [BIG])
    assert reply.ok, reply.failure
    assert reply.header["value"]["v"] == BIG.size


def test_a_lent_array_in_a_named_tuple_cache_can_be_written_later(sandbox):
    assert sandbox.call("keep_in_named_cache", [BIG], keep="fwd").ok
    later = sandbox.call("write_into_named_cache", [wire.StudentRef("fwd", (1,))])
    assert later.ok, later.failure
    assert later.header["value"]["v"] == 5.0


def test_a_stand_in_replaces_a_global_for_one_call_only(sandbox):
    """Issue 16: the student's gradient check fed a wrong backward pass (spec ``stand_ins``)."""
    fed = sandbox.call("check_with_backward", [3.0], stand_ins={"backward": 10.0})
    after = sandbox.call("check_with_backward", [3.0])
    assert fed.header["value"]["v"] == 10.0 - 6.0 and after.header["value"]["v"] == 0.0
