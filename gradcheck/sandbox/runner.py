"""Run a submission in a child process and talk to it without trusting it."""

from __future__ import annotations

import atexit
import hmac
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import isolation, pumps, replies, start, trees, wire
from .start import widen_pipe

WITHOUT_AUDIT_HOOK = "GRADCHECK_TEST_WITHOUT_AUDIT_HOOK"
CHILD = Path(__file__).with_name("child.py")  # the source; the child runs a private copy (isolation.child_dir)


@dataclass
class Failure:
    """Why a request produced no value: the child's report, or what the grader saw."""

    kind: str  # exception, exit, interrupt, memory, recursion, name, base-exception, timeout, died, protocol, missing, not-finite (the FD cost)
    type: str = ""
    message: str = ""
    frames: list = field(default_factory=list)  # [[line, function, source], ...] in the submission
    name: str | None = None
    line: int | None = None


@dataclass
class Reply:
    ok: bool
    header: dict = field(default_factory=dict)
    blobs: list = field(default_factory=list)
    failure: Failure | None = None
    elapsed: float = 0.0


OUTPUT_GRACE = 1.0  # seconds the output of a killed child may take to reach its end
_REAPERS: list[threading.Thread] = []
_REAPERS_LOCK = threading.Lock()


def _reap_later(kill, proc, scratch: str | None) -> None:
    def reap() -> None:
        kill(proc)
        if scratch:
            trees.remove(scratch)

    thread = threading.Thread(target=reap, daemon=True)
    thread.start()
    with _REAPERS_LOCK:
        _REAPERS[:] = [t for t in _REAPERS if t.is_alive()] + [thread]


@atexit.register
def reap_all() -> None:
    """Wait (at most 5 s) for the children killed on helper threads to be gone, their scratch
    dirs with them: at exit, and at the end of a forked grading worker (which ends with os._exit)."""
    deadline = time.monotonic() + 5
    with _REAPERS_LOCK:
        pending = list(_REAPERS)
    for thread in pending:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))


class Sandbox:
    """One child process per submission; restarted after a crash or a timeout."""

    def __init__(
        self,
        path: Path,
        *,
        timeout: float = 10.0,
        memory_mb: int = 2048,
        processes: int = 64,
        output_kb: int = 256,
        cpu_seconds: int = 300,
        helpers: Path | None = None,
        helper_modules: tuple[str, ...] = (),
        zygote=None,
        loading: dict | None = None,
    ) -> None:
        self.path = Path(path).resolve()
        self.startup_wait = 0.0
        self.timeout = timeout
        self.cfg = {"memory_mb": memory_mb, "processes": processes, "cpu_seconds": cpu_seconds}
        if os.environ.get(WITHOUT_AUDIT_HOOK) == "1":  # tests of the kernel's layers alone: never for grading
            self.cfg["audit_hook"] = False
        self.output_cap = output_kb * 1024
        self.helpers = Path(helpers).resolve() if helpers is not None else None
        self.helper_modules = helper_modules
        # How the child imports the file (docs/loading.md): stand_ins, package_root + module_name.
        # With a package_root, that folder (not only the file's) is what the child reads.
        self.loading = {k: v for k, v in (loading or {}).items() if k in ("stand_ins", "package_root", "module_name")}
        self.proc: subprocess.Popen | None = None
        self.scratch: str | None = None
        self.unavailable: list[str] = []
        self.output_parts: list[bytes] = []
        self.output_total = 0
        self.import_info: dict = {}
        self.starts = 0
        self.sent: dict = {}  # arrays the current child holds (see wire.encode_tree)
        self.zygote = zygote  # a fork server (batch grading), or None to spawn
        self.budget = replies.Budget(memory_mb << 20)  # what the grader accepts from the replies (replies.py)
        self.plan: isolation.Plan | None = None
        self.isolation = "none"  # the level in force for the last child (isolation.LEVELS)

    # -- lifecycle ---------------------------------------------------------------------
    def spawn(self) -> None:
        """Start the child process; it imports numpy while the grader prepares the trials."""
        if self.proc is not None and self.proc.poll() is None:
            return
        self.close()
        self.starts += 1
        self.sent = {}  # a new child holds nothing yet
        root = (self.loading or {}).get("package_root")  # a checkout's package: its other modules too
        folder = Path(root) if root else Path(self.path).parent
        self._forked = False
        # The command line's early child first, a fork server or not: it is already started
        # (a fork server is there for the re-grades of fixes).
        early = start.take(folder, self.helpers)
        if early is not None:  # started by the command line before it knew the spec (start.early)
            self.proc, self.scratch, self.plan = early
            self._early = True
        else:
            self._early = False
            self._start_process(folder)
        if sys.platform.startswith("linux"):
            for stream in (self.proc.stdin, self.proc.stdout):
                widen_pipe(stream.fileno())  # type: ignore[union-attr]
        self._key, self._sealed, self._answers = os.urandom(16), 0, deque()  # each reply's seal (wire.seal)
        self._expect({"scratch": self.scratch, **self.cfg, "confine": self.plan.confine})  # type: ignore[union-attr]
        self._reader = pumps.Reader(self.proc.stdout, self.budget)
        self._reader.start()
        self._drain = pumps.Drain(self.proc.stderr, self.output_cap)
        self._drain.start()
        try:
            first = {"scratch": self.scratch, **self.cfg, "confine": self.plan.confine, "key": self._key.hex()}  # type: ignore[union-attr]
            wire.write_frame(self.proc.stdin, first, [])  # type: ignore[arg-type]
            # The import request too: the child loads the submission while the grader prepares.
            wire.write_frame(self.proc.stdin, self._expect(self._import_request()), [])  # type: ignore[arg-type]
        except (OSError, ValueError):
            pass  # a child that died at once is reported by start()
        self._hello_pending = True

    def _start_process(self, folder: Path) -> None:
        """A child forked by the fork server when it can give this child's level (zygote.py),
        else a new process started as the plan says (bubblewrap at the namespaces level)."""
        zygote = self.zygote
        inside = zygote is not None and zygote.covers(folder)  # a fork server in a sandbox that shows the folder
        try:
            self.scratch = tempfile.mkdtemp(prefix="gradcheck-", dir=zygote.home if inside else isolation.scratch_home())  # type: ignore[union-attr]
        except OSError:
            if not inside:
                raise
            inside, zygote = False, None  # its folder is unusable: a sandbox of its own
            self.scratch = tempfile.mkdtemp(prefix="gradcheck-", dir=isolation.scratch_home())
        self.plan = plan = isolation.plan(folder, self.scratch, self.helpers)
        if inside and plan.level == zygote.level:  # type: ignore[union-attr]
            # what keeps it from its siblings (zygote.py): signals scoped too (Landlock ABI >= 6)
            plan.confine["require"] = ["landlock", "scoped", "seccomp"]
        forkable = zygote is not None and (inside and plan.level == zygote.level or zygote.server is None and plan.forkable)
        if plan.owner is not None:
            os.chown(self.scratch, *plan.owner)  # the child's uid writes there, and nowhere else
        if forkable:  # a warm fork server: no interpreter or numpy start-up
            try:
                self.proc = zygote.spawn(self.scratch)  # type: ignore[union-attr, assignment]
                self._forked = True
                return
            except OSError:
                self.zygote = None  # the fork server is gone: spawn as usual
                plan.confine.pop("require", None)
        self.proc = start.popen(plan, self.scratch)

    def _import_request(self) -> dict:
        req = {"op": "import", "path": str(self.path)}
        if self.helpers is not None:  # their source: the child never sees the spec's folder
            req["helpers"] = str(self.helpers)
            req["helpers_source"] = start.helpers_source(self.helpers)
            req["helper_modules"] = list(self.helper_modules)
        req.update(self.loading)
        return req

    def start(self) -> Reply:
        """Start the child (unless spawn() already did) and import the submission."""
        if self.proc is None or self.proc.poll() is not None or not getattr(self, "_hello_pending", False):
            self.close()
            self.spawn()
        self._hello_pending = False
        waited = time.perf_counter()
        hello = self._wait(timeout=max(self.timeout, 30.0))
        if not hello.ok and (getattr(self, "_forked", False) or getattr(self, "_early", False)):
            # A forked (or early) child that never said hello ran no student code (it could not
            # confine itself, or the fork server is gone): a new child instead, its output dropped.
            self.zygote, self.output_parts, self.output_total = None, [], 0
            self.close()
            self.spawn()
            self._hello_pending = False
            hello = self._wait(timeout=max(self.timeout, 30.0))
        self.startup_wait = time.perf_counter() - waited  # process start-up the check waited for
        if not hello.ok:
            return hello
        self.unavailable = list(hello.header.get("unavailable", []))
        confined = hello.header.get("confined")
        if self.plan is not None:  # what the child applied before any student code ran
            self.isolation = isolation.achieved(self.plan, confined if isinstance(confined, dict) else {})
            if self.isolation == "uid-drop" and not (isinstance(confined, dict) and confined.get("jail") is True):
                self.unavailable.append("file-view")  # jail.py's view was not made or not entered
        reply = self._wait(timeout=self.timeout)  # the import request went with the spawn
        if reply.ok:
            self.import_info = reply.header
        return reply

    def close(self) -> None:
        """End the child at once: every reply is in, and it flushed its output with each one
        (asking it to exit and waiting cost a cat-size check 16 ms of freeing memory)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                self._kill(proc)
            finally:
                self._collect_output()
        if self.scratch:
            trees.remove(self.scratch)
            self.scratch = None

    def finish(self) -> None:
        """After the last reply. The child closes its output (it flushed it with every reply),
        so the output is complete at once; it is then sent SIGKILL, and waiting for the kernel
        to free its memory (~100 MB for a cat-size check) is left to a helper thread."""
        proc, drain = self.proc, getattr(self, "_drain", None)
        if proc is None or drain is None or proc.poll() is not None:
            return self.close()
        try:
            wire.write_frame(proc.stdin, {"op": "exit"}, [])  # type: ignore[arg-type]
        except (OSError, ValueError):
            return self.close()
        drain.join(timeout=0.1)  # the end of the output, unless the submission kept a copy of the pipe
        if drain.is_alive():
            return self.close()
        self.proc, scratch, self.scratch = None, self.scratch, None
        self._collect_output()
        self._signal(proc)  # nothing of the submission runs after this
        if scratch:
            trees.remove(scratch)  # now, and again once the process is gone
        _reap_later(self._kill, proc, scratch)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _signal(proc: subprocess.Popen) -> None:
        """SIGKILL, at once, to the child and anything it left behind (its process group)."""
        if os.name == "posix":
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            proc.kill()
        except OSError:
            pass

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        Sandbox._signal(proc)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:  # stdout and stderr are closed by their readers once they stop (pumps.py)
            if proc.stdin:
                proc.stdin.close()
        except OSError:
            pass

    def _collect_output(self) -> None:
        """The end of a child: no more frames are read, and its output is taken up to its end,
        or for OUTPUT_GRACE seconds when a process that escaped it still holds the pipe."""
        reader = getattr(self, "_reader", None)
        if reader is not None:
            reader.stop()
        drain = getattr(self, "_drain", None)
        if drain is None:
            return
        drain.finish(OUTPUT_GRACE)
        self.output_parts.append(bytes(drain.kept))
        self.output_total += drain.total
        self._drain = None

    @property
    def output(self) -> str:
        parts = list(self.output_parts)
        if getattr(self, "_drain", None) is not None:
            parts.append(bytes(self._drain.kept))
        return b"".join(parts).decode("utf-8", errors="replace")[: self.output_cap]

    @property
    def output_truncated(self) -> bool:
        total = self.output_total + (self._drain.total if getattr(self, "_drain", None) else 0)
        return total > self.output_cap

    # -- requests -------------------------------------------------------------------------
    def _request(self, header: dict, blobs: list[bytes], timeout: float, on_sent=None) -> Reply:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return Reply(False, failure=self._death())
        try:  # with a deadline: a child that stops reading cannot block the grader (wire.py)
            wire.write_frame(proc.stdin, self._expect(header), blobs, timeout=timeout)  # type: ignore[arg-type]
        except wire.WriteTimeout:
            self._kill(proc)  # the write has returned: nothing is in flight on stdin now
            self._collect_output()
            self.proc = None
            return Reply(False, failure=Failure("timeout", message=f"the process stopped reading its input: the request was not taken within {timeout:g} s"))
        except (OSError, ValueError):
            return Reply(False, failure=self._death())
        if on_sent is not None:
            on_sent()
        return self._wait(timeout)

    def _expect(self, request: dict) -> dict:
        """``request``, whose reply's seal will name it (in the order sent)."""
        self._answers.append(wire.request_digest(request))
        return request

    def _seal_holds(self, proof: tuple, blobs: list) -> bool:
        """The reply's seal is the child's: this key, this reply's number, the request it answers."""
        mac, body, refs = proof
        request = self._answers.popleft() if self._answers else b""
        number, self._sealed = self._sealed, self._sealed + 1
        covered = [blobs[i] for i in refs if i < len(blobs)]
        return mac is not None and hmac.compare_digest(mac, wire.seal(self._key, number, request, body, covered))

    def _wait(self, timeout: float) -> Reply:
        """The child's next frame, or what happened instead (timeout, death, garbage)."""
        proc = self.proc
        if proc is None:
            return Reply(False, failure=self._death())
        start = time.perf_counter()
        try:
            item = self._reader.frames.get(timeout=timeout)
        except queue.Empty:
            self._kill(proc)
            self._collect_output()
            self.proc = None
            return Reply(False, failure=Failure("timeout", message=f"no answer within {timeout:g} s"))
        elapsed = time.perf_counter() - start
        if item is None:
            return Reply(False, failure=self._death(), elapsed=elapsed)
        if isinstance(item, Exception):  # a malformed reply (replies.py): the child is not trusted further
            self._kill(proc)
            self._collect_output()
            self.proc = None
            kind = "memory" if isinstance(item, replies.OverBudget) else "protocol"
            return Reply(False, failure=Failure(kind, "" if kind == "memory" else "ProtocolError", str(item)), elapsed=elapsed)
        got, got_blobs, proof = item  # checked: every field has its type, size and a safe encoding
        if not self._seal_holds(proof, got_blobs):
            self._kill(proc)
            self._collect_output()
            self.proc = None
            why = "a reply the process running the submission did not write (its seal does not match): the submission wrote on the grader's channel"
            return Reply(False, failure=Failure("protocol", "ProtocolError", why), elapsed=elapsed)
        if not got["ok"]:
            err = got.get("error") or {}
            failure = Failure(
                kind=err.get("kind", "exception"),
                type=err.get("type", ""),
                message=err.get("message", "")[:2000],
                frames=err.get("frames", [])[:20],
                name=err.get("name"),
                line=err.get("line"),
            )
            return Reply(False, got, got_blobs, failure, elapsed)
        try:
            self._resolve(got, got_blobs)
        except wire.WireError as exc:
            return Reply(False, failure=Failure("protocol", "ProtocolError", str(exc)), elapsed=elapsed)
        return Reply(True, got, got_blobs, None, elapsed)

    def _resolve(self, header: dict, blobs: list) -> None:
        """Arrays the child named instead of sending: one of the grader's own inputs it got back
        unchanged (``"sent"``). Naming is never trusted beyond what the submission could do
        anyway: it could have returned that very input."""

        def walk(node):
            if isinstance(node, dict):
                if node.get("t") == "nd" and "b" not in node and "sent" in node:
                    arr = self.sent.get(str(node["sent"]))
                    if not isinstance(arr, np.ndarray):
                        raise wire.WireError("the child named an array it was never sent")
                    blobs.append(arr)
                    node["b"] = len(blobs) - 1
                    return
                for v in node.values():
                    if isinstance(v, (dict, list)):
                        walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        for key in ("value", "locals"):
            if key in header:
                walk(header[key])

    def _death(self) -> Failure:
        proc = self.proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            self._kill(proc)
            self._collect_output()
            self.proc = None
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            return Failure("died", "Signal", f"the process was killed by {name}")
        return Failure("died", "Exit", f"the process exited with code {code}")

    def ensure_started(self) -> Reply | None:
        """Restart a dead child; None when it is alive."""
        if self.proc is not None and self.proc.poll() is None:
            return None
        return self.start()

    def call(self, fn: str, args: list, locals_: tuple[str, ...] = (), keep: str | None = None,
             spare: str | None = None, reuse: str | None = None, digest: bool = False,
             stand_ins: dict | None = None) -> Reply:  # fmt: skip
        """``spare``: the child keeps the arguments under this name if the call left them
        unchanged; ``reuse``: a call with the same arguments gets those (no new copy of a 20 MB
        X); ``digest``: big arrays come back as wire.fingerprint() instead of their bytes;
        ``stand_ins``: module globals that return these values during this call only."""
        restarted = self.ensure_started()
        if restarted is not None and not restarted.ok:
            return restarted
        blobs: list[bytes] = []
        header = {"op": "call", "fn": fn, "args": [wire.encode_tree(a, blobs, self.sent) for a in args], "locals": list(locals_)}
        for key, value in (("keep", keep), ("spare", spare), ("reuse", reuse), ("digest", digest)):
            if value:
                header[key] = value
        if stand_ins:  # module globals replaced for this call only (child.op_call)
            header["stand_ins"] = {k: wire.encode_tree(v, blobs, self.sent) for k, v in stand_ins.items()}
        return self._request(header, blobs, self.timeout)

    def trace(self, fn: str, args: list) -> Reply:
        """``fn(*args)`` once more under a line tracer (tracing.py): which line wrote each value."""
        restarted = self.ensure_started()
        if restarted is not None and not restarted.ok:
            return restarted
        blobs: list[bytes] = []
        header = {"op": "trace", "fn": fn, "args": [wire.encode_tree(a, blobs, self.sent) for a in args]}
        return self._request(header, blobs, self.timeout)

    def pipeline(self, steps: list[dict], env: dict[str, np.ndarray], perturb: list[dict], directions=(), timeout=None,
                 base: bool = True, on_sent=None) -> Reply:  # fmt: skip
        """Evaluate the student's cost at many perturbed points in one request. ``on_sent()``
        is called once the request is written, while the child works on it."""
        restarted = self.ensure_started()
        if restarted is not None and not restarted.ok:
            return restarted
        blobs: list[bytes] = []
        header = {
            "op": "pipeline",
            "steps": steps,
            "env": {k: wire.encode_tree(v, blobs, self.sent) for k, v in env.items()},
            "perturb": perturb,
            "directions": [wire.encode_tree(d, blobs, self.sent) for d in directions],  # big ones once per child
        }
        if not base:
            header["base"] = False
        return self._request(header, blobs, timeout or self.timeout, on_sent)
