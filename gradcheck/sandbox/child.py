"""The child process: imports the submission and answers the grader's calls.

Run as a script (``python -I child.py``); it never imports gradcheck. The script runs this
same file again as a module of its own, with a private copy of the builtins, and keeps its
code out of the submission's reach (sealing.py). Everything it sends back is data (see
wire.py): the grader decides the grade.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import time
from types import ModuleType, SimpleNamespace

try:  # the interpreter's own count of running Python threads but the main one (C: nothing to patch)
    from _thread import _count as _threads
except ImportError:  # an interpreter without it: no thread is reported
    def _threads() -> int:
        return 0

_HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == "__main__":  # the script: set the import path, then run the child's own copy

    def _boot() -> None:
        spec = importlib.util.spec_from_file_location("_gradcheck_confine", os.path.join(_HERE, "confine.py"))
        confine = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(confine)
        confine.setup_path(_HERE)  # the standard library and numpy: no gradcheck
        import builtins

        spec = importlib.util.spec_from_file_location("_gradcheck_child", os.path.abspath(__file__))
        own = importlib.util.module_from_spec(spec)
        own.__dict__["__builtins__"] = dict(builtins.__dict__)
        spec.loader.exec_module(own)
        own.start(sys.argv)

    _boot()
    os._exit(0)


def _load_sibling(name: str, own: bool = True, sealed: bool = True):
    """A module next to this file, loaded by path (the child never imports gradcheck), with
    the child's own builtins, module snapshots and sealed classes unless it is the submission's side."""
    builtins = __builtins__ if own and type(__builtins__) is dict else None
    return _sealing.load(os.path.join(_HERE, name), "_gradcheck_" + name[:-3], builtins, sealed)


_LOADED: dict = {}


def _load_wire(name: str = "wire"):
    """wire.py or confine.py, loaded once per process: a forked child keeps the fork server's
    (loaded before any submission ran; each load compiles the file, ~4 ms: no bytecode here)."""
    if name not in _LOADED:
        _LOADED[name] = _load_sibling(f"{name}.py")
    return _LOADED[name]


@functools.cache
def _numpy_now() -> SimpleNamespace:
    """numpy's namespace as it is now, taken once per process: before any submission runs (a
    fork server's children share the server's, and copy none of its pages for it)."""
    import numpy

    return SimpleNamespace(**vars(numpy))


def _quiet_logging() -> None:
    """A submission that logs: logging asks for its caller's frame, now out of reach; with
    None it names "(unknown file)" (type(None) is a builtin: no way back here)."""
    import logging

    logging.currentframe = type(None)


_spec = importlib.util.spec_from_file_location("_gradcheck_sealing", os.path.join(_HERE, "sealing.py"))
_sealing = importlib.util.module_from_spec(_spec)
if type(__builtins__) is dict:
    _sealing.__dict__["__builtins__"] = __builtins__
_spec.loader.exec_module(_sealing)
_SYS = _sealing.private_sys()  # sys's frame and trace functions, before sealing.close removes them
_GATE = [0]  # the thread let through while the child installs its profiler or tracer, or reads a traceback's frames
_values = _load_sibling("values.py", sealed=False)  # Child derives from its Values: sealed below
_pipeline = _load_sibling("pipeline.py")
_loading = _load_sibling("loading.py", own=False)  # the submission's side: its import finder, stand-ins
_LOADING_FILE = os.path.join(_HERE, "loading.py")  # (as its code objects name it)
_guard = _load_sibling("guard.py")  # resource limits and the audit hook
_tracing = _load_sibling("tracing.py")  # which line wrote each value, for the call being explained
_tracing.SYS, _tracing.gated = _SYS, functools.partial(_sealing.gated, _GATE)
# What numpy says when code writes into, or resizes, an array it was lent ("assignment
# destination is read-only", "output array is read-only", "cannot modify read-only memory",
# "cannot resize this array: it does not own its data", np.dot's "output array is not acceptable").
_REFUSED = ("read-only", "does not own its data", "output array is not acceptable")
MAX_TEXT = 2000


_ABSENT = object()



def _left_running(before: int, before_import: int) -> dict:
    """``threads``: how many more threads run now than before the import or call; ``running``:
    how many of the submission's threads run now, wherever they started (in another call, or
    between calls: a finalizer the child's own bookkeeping set off). Sent when any do. What such
    a thread does later (write into the arguments, say) happens after the call was checked, so
    the grader cannot vouch for the call's side effects (GC108)."""
    now = _threads()
    more, running = now - before, now - before_import
    return {k: v for k, v in (("threads", more), ("running", running)) if v > 0}


def _safe_str(obj) -> str:
    try:
        text = str(obj)
    except BaseException:  # a hostile __str__
        text = "<unprintable>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _note_import(name: str) -> None:
    """Which statement of the submission imports ``name`` (loading.IMPORTS, for its stand-ins):
    the first frame up the stack outside importlib and loading.py, when it is the submission's.
    Read here, in the audit hook, where frames may be looked at; nothing the submission can
    patch runs while the gate is open."""
    origins, skip = _loading._ORIGINS, _LOADING_FILE
    frame = _sealing.gated(_GATE, _SYS._getframe, 3)  # gated, this function, the hook, then where the import ran
    where = None
    while frame is not None:
        name_ = frame.f_code.co_filename
        if not name_.startswith("<frozen") and name_ != skip:
            if type(origins) is tuple and any(type(o) is str and (name_ == o or name_.startswith(o.rstrip(os.sep) + os.sep)) for o in origins):
                where = (name_, frame.f_lineno)
            break
        frame = frame.f_back
    if where is not None:
        _loading.IMPORTS[name] = where
    else:
        _loading.IMPORTS.pop(name, None)


class Child(_values.Values):
    def __init__(self, proto_in, proto_out, wire) -> None:
        _values.setup(self, _numpy_now(), wire)  # numpy as it was before the submission, whatever it rebinds
        self.lines: list = []  # the submission's source, for the text of its traceback's lines
        self.key = b""  # the seal's key (main): kept here, out of the submission's reach (sealing.py)
        self.replies = 0  # replies sealed so far
        self.answering = b""  # the digest of the request being answered
        self.rin, self.rout = proto_in, proto_out
        self.streams = (sys.stdout, sys.stderr)  # ours, not whatever the student puts there
        self.module = None
        self.path = None
        self._spare: dict = {}  # name -> the arguments of a call that left them unchanged, for its repeat
        self.threads_before_import = 0  # threads running before the submission was imported (none of them its)

    def flush(self) -> None:
        """The student's prints so far, out: a print without a newline is output too, and the
        grader may kill us after any reply."""
        for stream in self.streams:
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a closed stream has nothing to flush
                pass

    def send(self, header: dict, blobs: list | None = None) -> None:
        self.flush()
        blobs = blobs or []
        if self.key:  # sealed (wire.seal): a reply the submission writes on this channel is not
            body = self.wire.sealed_body(header)
            covered = [blobs[i] for i in self.wire.sealed_refs(header) if i < len(blobs)]
            header = dict(header, mac=self.wire.seal(self.key, self.replies, self.answering, body, covered))
            self.replies += 1
        self.wire.write_frame(self.rout, header, blobs)

    def error_info(self, exc: BaseException) -> dict:
        kind = "exception"
        if isinstance(exc, SystemExit):
            kind = "exit"
        elif isinstance(exc, KeyboardInterrupt):
            kind = "interrupt"
        elif isinstance(exc, MemoryError):
            kind = "memory"
        elif isinstance(exc, RecursionError):
            kind = "recursion"
        elif isinstance(exc, NameError):
            kind = "name"
        elif not isinstance(exc, Exception):
            kind = "base-exception"
        try:
            frames = self._frames(exc)
        except BaseException:  # noqa: BLE001 - a traceback the student rebuilt: no frames
            frames = []
        syntax = {}
        if isinstance(exc, SyntaxError):
            syntax = {"line": exc.lineno, "offset": exc.offset}
        return {
            "kind": kind,
            "type": type(exc).__name__,
            "message": _safe_str(exc),
            "name": getattr(exc, "name", None) if isinstance(exc, NameError) else None,
            "frames": frames,
            **syntax,
        }

    def _frames(self, exc: BaseException) -> list:
        """[line, function, text] for each frame of the submission's file the exception left.
        Read here, not with the traceback module, which is the submission's to patch; the
        gate lets only this loop read a traceback's frame."""
        out: list = []
        tb = exc.__traceback__
        while tb is not None and len(out) < 200:
            code = _sealing.gated(_GATE, getattr, tb, "tb_frame").f_code
            line = tb.tb_lineno
            if self.path and code.co_filename == self.path:  # compiled under that name (op_import)
                text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
                out.append([line, code.co_name, text[:300]])
            tb = tb.tb_next
        return out[-20:]

    # -- operations ---------------------------------------------------------------------
    def op_import(self, req: dict) -> dict:
        self.path = os.path.realpath(req["path"])
        module, provided = _loading.new_module(req, self.path)  # helpers, stand-ins, package: docs/loading.md
        self.module = module
        running = self.threads_before_import = _threads()
        try:
            with open(self.path, "rb") as fh:
                source = fh.read()  # bytes: compile() honours the coding cookie, as import does
            self.lines = source.decode("utf-8", errors="replace").splitlines()
            code = compile(source, self.path, "exec")
            exec(code, module.__dict__)
        except BaseException as exc:  # noqa: BLE001 - anything the student raises is a finding
            return {"ok": False, "error": self.error_info(exc)}
        functions = sorted(
            k for k, v in list(module.__dict__.items()) if callable(v) and not k.startswith("__") and not isinstance(v, type)
        )
        provided_used = sorted(k for k in provided if module.__dict__.get(k) is provided[k])
        return {"ok": True, "functions": functions, "provided": provided_used, **_left_running(running, running)}

    def _function(self, name: str):
        fn = self.module.__dict__.get(name) if self.module is not None else None
        if fn is None or not callable(fn):
            raise LookupError(name)
        return fn

    def _run(self, fn, args: list, want: set, captured: dict):
        """``fn(*args)`` and its run time; ``captured``: the locals named in ``want`` at its return."""
        code = getattr(fn, "__code__", None)
        if want and code is not None:

            def profiler(frame, event, arg):
                if event == "return" and frame.f_code is code:
                    captured.clear()
                    captured.update({k: v for k, v in frame.f_locals.items() if k in want})

            _sealing.gated(_GATE, _SYS.setprofile, profiler)
        start = time.perf_counter()
        try:
            return fn(*args), time.perf_counter() - start
        finally:
            if want and code is not None:
                _sealing.gated(_GATE, _SYS.setprofile, None)

    def op_call(self, req: dict, blobs: list) -> tuple[dict, list]:
        """One call; ``stand_ins``: module globals replaced, for this call only, by functions that
        return a value the grader chose (a wrong backward pass fed to the student's gradient check)."""
        saved = {}
        for name, node in (req.get("stand_ins") or {}).items():
            saved[name] = self.module.__dict__.get(name, _ABSENT) if self.module is not None else _ABSENT
            if self.module is not None:
                self.module.__dict__[name] = _loading.stand_in(name, self.dec(node, blobs))
        try:
            return self._op_call(req, blobs)
        finally:
            for name, old in saved.items():
                if old is _ABSENT:
                    self.module.__dict__.pop(name, None)
                else:
                    self.module.__dict__[name] = old

    def _op_call(self, req: dict, blobs: list) -> tuple[dict, list]:
        fn = self._function(req["fn"])
        spare = self._spare.pop(req.get("reuse"), None) if req.get("reuse") else None
        pristine = [self.dec(a, blobs, shared=True) for a in req["args"]]  # to tell which inputs the call changed
        want = set(req.get("locals", []))
        captured: dict = {}
        # Big inputs (a cat-size X) are lent read-only instead of copied: a call that cannot
        # write into them needs neither a 20 MB copy nor a comparison afterwards. The
        # determinism repeat gets the first call's own arguments when that call left them unchanged.
        self._lent, self._tampered = [], False
        if spare is not None:
            args, self._lent = spare
        else:
            args = [self.dec(a, blobs, lend=True) for a in req["args"]]
        retry, running = False, _threads()
        try:
            try:
                value, elapsed = self._run(fn, args, want, captured)
            except (ValueError, TypeError) as exc:
                # Code that writes into a lent input (or into one kept in an earlier call's
                # cache) is run again on copies, where what it changes shows (GC107).
                store = self._store_memory()
                retry = any(text in BaseException.__str__(exc) for text in _REFUSED) and self._holds_lent(args, store)
                if not retry:
                    raise
            if retry:  # outside the handler: nothing of the first run is kept alive meanwhile
                self._check_lent()
                self._lent = []
                args = [self._writable(self.dec(a, blobs), store) for a in req["args"]]
                value, elapsed = self._run(fn, args, want, captured)
        except BaseException as exc:  # noqa: BLE001
            return {"ok": False, "error": self.error_info(exc)}, []
        self._check_lent()
        if req.get("keep"):
            self.kept[req["keep"]] = value
        out: list = []
        budget = _values.Budget()
        self._argkeys, self._equal = {}, {}
        for node, arg in zip(req["args"], args):
            self._note_args(node, arg)
        self._digest = bool(req.get("digest"))
        try:
            header = {
                "ok": True,
                "elapsed": elapsed,
                "value": self.enc(value, out, budget, 0, ("value",)),
                "args_after": [self.changed(p, a, out, budget) for p, a in zip(pristine, args)],
                "locals": {k: self.enc(v, out, budget, 0, ("locals", k)) for k, v in captured.items()},
                **_left_running(running, self.threads_before_import),
            }
            if req.get("spare") and not req.get("keep") and all(node == {"t": "same"} for node in header["args_after"]):
                self._spare[req["spare"]] = (args, self._lent)
        finally:
            self._argkeys, self._digest, self._equal, self._lent, self._tampered = {}, False, {}, [], False
        return header, out

    def op_pipeline(self, req: dict, blobs: list) -> tuple[dict, list]:
        """Evaluate J with the student's functions at many perturbed points (pipeline.py)."""
        np = self.np
        env = {k: self.dec(v, blobs, lend=True) for k, v in req["env"].items()}  # read-only, like every input
        self._lent = []  # nothing is vouched for after a batch
        fns = [self._function(s["call"]) for s in req["steps"]]
        dirs = [np.asarray(self.dec(d, blobs), dtype=np.float64) for d in req.get("directions", [])]  # sent as float32
        try:
            base, seconds, plus, minus, itemsize = _pipeline.run(np, req, fns, env, dirs)
        except BaseException as exc:  # noqa: BLE001
            return {"ok": False, "error": self.error_info(exc)}, []
        out: list = []
        return {
            "ok": True,
            "base": base,
            "seconds": seconds,
            "plus": self.wire.encode_array(np.array(plus, dtype=np.float64), out),
            "minus": self.wire.encode_array(np.array(minus, dtype=np.float64), out),
            "itemsize": itemsize,
        }, out

    def serve(self) -> None:
        while True:
            try:
                req, blobs = self.wire.read_frame(self.rin)
            except EOFError:
                return
            self.answering = self.wire.request_digest(req)
            self._fresh = {}
            op = req.get("op")
            try:
                if op == "import":
                    self.send(self.op_import(req))
                elif op == "call":
                    self.send(*self.op_call(req, blobs))
                elif op == "pipeline":
                    self.send(*self.op_pipeline(req, blobs))
                elif op == "trace":
                    self.send(_tracing.answer(self, req, blobs))
                elif op == "exit":  # the grader's last word: the output ends here, the process soon
                    self.flush()
                    for fd in (1, 2):
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                    return
                else:
                    self.send({"ok": False, "error": {"kind": "protocol", "type": "ProtocolError", "message": f"unknown op {op!r}"}})
            except LookupError as exc:
                self.send({"ok": False, "error": {"kind": "missing", "type": "LookupError", "message": _safe_str(exc), "frames": []}})
            except BaseException as exc:  # noqa: BLE001 - keep answering whatever happens
                self.send({"ok": False, "error": self.error_info(exc)})


def zygote(sock_fd: int) -> None:
    """Fork server: what every child needs, loaded once; then a fresh child for each request
    (forking.py; the grader's side is zygote.py)."""
    _load_wire()  # numpy imported once, here; every forked child inherits it
    confine = _load_wire("confine")  # ctypes and libseccomp too, for each child's confinement
    try:
        confine.prepare_seccomp(confine.load_libseccomp())
    except OSError:
        pass  # each child makes its filter whole, and says so if it cannot
    _quiet_logging()  # logging imported once too
    _numpy_now()
    import gc
    import resource  # noqa: F401 - and what each child's limits, writes and fingerprints import (C extensions: a dlopen each)
    import select  # noqa: F401
    import zlib  # noqa: F401

    serve = _load_sibling("forking.py").serve
    gc.collect()  # what sealing dropped, once here; the rest is frozen: each child's collection
    gc.freeze()  # (sealing.close) then walks only what it made itself, and copies no page
    serve(sock_fd, main)


def main() -> None:
    # The protocol uses private copies of stdin/stdout; the student's prints (fd 1 and 2)
    # go to stderr, which the grader drains and caps.
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    sys.stdin = open(os.devnull)  # noqa: SIM115
    sys.dont_write_bytecode = True
    wire = _load_wire()  # imports numpy, while the grader is still preparing the trials
    cfg, _ = wire.read_frame(proto_in)
    unavailable = _guard.limits(cfg)
    scratch = cfg["scratch"]
    os.chdir(scratch)
    confined = _load_wire("confine").apply(cfg.get("confine") or {})  # the OS's isolation (isolation.py)
    if confined.get("jail"):
        scratch = os.getcwd()  # the same folder, by its path inside the view
    child = Child(proto_in, proto_out, wire)
    child.key, child.answering = bytes.fromhex(str(cfg.get("key", ""))), wire.request_digest(cfg)
    _quiet_logging()
    if cfg.get("audit_hook", True):  # off only in tests of the kernel's layers alone (runner.WITHOUT_AUDIT_HOOK)
        _guard.install(scratch, _sealing.refusal, _GATE, _note_import)  # after numpy (which may use ctypes), before the submission
    _sealing.close()
    sys.modules["__main__"] = ModuleType("__main__")  # the script's namespace is no way into the child
    child.send({"ok": True, "pid": os.getpid(), "unavailable": unavailable, "python": sys.version.split()[0], "confined": confined})
    child.serve()
    os._exit(0)  # don't wait for threads the student left behind


def start(argv: list) -> None:
    """The script's entry (the top of this file runs it in the child's own copy)."""
    if len(argv) == 3 and argv[1] == "--zygote":
        zygote(int(argv[2]))
    else:
        main()


# Last: the classes above become factories, and the modules the child's code uses snapshots.
_sealing.snapshot(globals())
_sealing.seal(globals(), vars(_values))
