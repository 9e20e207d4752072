"""The child process: imports the submission and answers the grader's calls.

Run as a script (``python -I child.py``); it never imports the gradcheck package.
Everything it sends back is data (see wire.py): the grader decides the grade.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import traceback

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load_wire():
    return _load_sibling("wire.py")


def _load_sibling(name: str):
    """A module next to this file, loaded by path: the child never imports gradcheck."""
    spec = importlib.util.spec_from_file_location("_gradcheck_" + name[:-3], os.path.join(_HERE, name))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_loading = _load_sibling("loading.py")


MAX_NODES = 20_000
# What numpy says when code writes into, or resizes, an array it was lent ("assignment
# destination is read-only", "output array is read-only", "cannot modify read-only memory",
# "cannot resize this array: it does not own its data", np.dot's "output array is not acceptable").
_REFUSED = ("read-only", "does not own its data", "output array is not acceptable")
MAX_DEPTH = 12
MAX_BYTES = 1 << 30
MAX_TEXT = 2000


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0
        self.bytes = 0


def _cls(obj) -> str:
    t = type(obj)
    return f"{t.__module__}.{t.__qualname__}"


def _safe_str(obj) -> str:
    try:
        text = str(obj)
    except BaseException:  # a hostile __str__
        text = "<unprintable>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _limits(cfg: dict) -> list[str]:
    """Apply resource limits to this process; return the names of those unavailable."""
    unavailable = []
    try:
        import resource
    except ImportError:
        return ["memory", "processes", "cpu", "file-size"]
    mb = int(cfg.get("memory_mb", 2048))
    cpu = int(cfg.get("cpu_seconds", 300))
    plan = [
        ("memory", getattr(resource, "RLIMIT_AS", None), mb << 20),
        ("processes", getattr(resource, "RLIMIT_NPROC", None), None),
        ("cpu", getattr(resource, "RLIMIT_CPU", None), cpu),
        ("file-size", getattr(resource, "RLIMIT_FSIZE", None), 256 << 20),
        ("core", getattr(resource, "RLIMIT_CORE", None), 0),
    ]
    for name, which, value in plan:
        if which is None:
            unavailable.append(name)
            continue
        try:
            if name == "processes":
                # RLIMIT_NPROC counts the user's processes; it is a backstop to the audit hook.
                soft, hard = resource.getrlimit(which)
                value = int(cfg.get("processes", 64))
                if hard != resource.RLIM_INFINITY:
                    value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            unavailable.append(name)
    if sys.platform == "darwin":
        unavailable.append("memory")  # macOS accepts RLIMIT_AS but does not enforce it
    if os.name == "posix" and os.geteuid() == 0:
        unavailable.append("processes")  # root is exempt from RLIMIT_NPROC; the audit hook still blocks fork
    return sorted(set(unavailable))


_BLOCKED_EVENTS = frozenset(
    {
        "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
        "subprocess.Popen", "os.kill", "os.killpg", "signal.pthread_kill", "pty.spawn",
        "socket.connect", "socket.bind", "socket.sendto", "ctypes.dlopen", "ctypes.dlsym",
        "ctypes.call_function", "ctypes.cdata", "resource.setrlimit", "resource.prlimit",
        "os.startfile", "winreg.OpenKey", "webbrowser.open",
    }
)  # fmt: skip
_PATH_EVENTS = frozenset(
    {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.symlink", "os.link",
     "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move", "os.replace"}
)  # fmt: skip


def _foreign_proc(path: str) -> bool:
    """/proc/<pid>/… of another process (the grader's environment may hold secrets)."""
    parts = os.path.normpath(path).split(os.sep)
    return len(parts) > 2 and parts[1] == "proc" and parts[2] not in ("self", "thread-self", str(os.getpid()))


def _install_guard(scratch: str) -> None:
    scratch = os.path.realpath(scratch)
    realpath = os.path.realpath
    sep = os.sep
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

    def inside(path) -> bool:
        if isinstance(path, int):
            return True
        try:
            p = realpath(os.fsdecode(path))
        except Exception:
            return False
        return p == scratch or p.startswith(scratch + sep)

    def hook(event, args):
        if event in _BLOCKED_EVENTS:
            raise PermissionError(f"gradcheck: '{event}' is not allowed in a graded submission")
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if isinstance(path, (str, bytes)) and _foreign_proc(os.fsdecode(path)):
                raise PermissionError("gradcheck: reading other processes' /proc entries is not allowed")
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags
            )
            if writing and not inside(path):
                raise PermissionError(f"gradcheck: writing outside the scratch directory is not allowed ({path!r})")
        elif event in _PATH_EVENTS:
            for path in args[:2]:
                if isinstance(path, (str, bytes, os.PathLike)) and not inside(path):
                    raise PermissionError(f"gradcheck: '{event}' outside the scratch directory is not allowed")

    sys.addaudithook(hook)


class Child:
    def __init__(self, proto_in, proto_out, wire) -> None:
        import numpy as np

        self.np = np
        self.ndarray = np.ndarray
        self.generic = np.generic
        self.ascontiguous = np.ascontiguousarray
        self.rin, self.rout, self.wire = proto_in, proto_out, wire
        self.streams = (sys.stdout, sys.stderr)  # ours, not whatever the student puts there
        self.module = None
        self.path = None
        self.store: dict = {}  # arrays the grader sent with a key, for later references
        self.kept: dict = {}  # what graded functions returned, by entry, for later calls (their caches)
        self._argkeys: dict = {}  # id(argument array) -> (store key, the argument) during one call
        self._digest = False  # the current reply sends big arrays as fingerprints (a determinism repeat)
        self._fresh: dict = {}  # store key -> the frame's blob list it was last decoded from
        self._equal: dict = {}  # (memory, layout) of two arrays -> equal, while one reply is encoded
        self._spare: dict = {}  # name -> the arguments of a call that left them unchanged, for its repeat
        self._lent: list = []  # read-only views of store arrays lent to the current call
        self._tampered = False  # a lent array was made writable during the call

    # -- encoding what the student returned (hostile objects) --------------------
    def _named(self, v, base, node: dict, path: tuple) -> bool:
        """Name instead of send: an unchanged argument the grader sent with a key (a cache that
        holds X). The grader substitutes its own copy of exactly those bytes."""
        if base.nbytes < 1 << 16:
            return False
        hit = self._argkeys.get(id(v))
        if hit is not None and hit[1] is v:
            key = hit[0]
            ref = self.store.get(key)
            if ref is not None and self._same(ref, base):
                node["sent"] = key
                return True
        return False

    def enc(self, v, blobs: list, budget: _Budget, depth: int = 0, path: tuple = ()):
        budget.nodes += 1
        if budget.nodes > MAX_NODES or depth > MAX_DEPTH:
            return {"t": "truncated"}
        t = type(v)  # type(), not isinstance: __class__ can lie
        if issubclass(t, self.ndarray):
            base = self.ndarray.view(v, self.ndarray)
            node = {"t": "nd", "cls": _cls(v), "dtype": base.dtype.str, "shape": list(base.shape)}
            if base.dtype.hasobject or base.dtype.kind not in "fiubc":
                node["t"] = "nd-nodata"
                return node
            if self._named(v, base, node, path):
                return node
            if self._digest and base.nbytes >= 1 << 16:
                node["digest"] = self.wire.fingerprint(base)
                return node
            if budget.bytes + base.nbytes > MAX_BYTES:
                node["t"] = "nd-nodata"
                return node
            budget.bytes += base.nbytes
            flat = self.ascontiguous(base)
            # Sent straight from the array's memory: the frame is written before the student's
            # code runs again. Small arrays are copied (fewer, larger writes).
            blobs.append(memoryview(flat.reshape(-1).view(self.np.uint8)) if flat.nbytes >= 1 << 16 else self.ndarray.tobytes(flat))
            node["b"] = len(blobs) - 1
            return node
        if issubclass(t, self.generic):
            kind = self.np.dtype(t).kind
            node = {"t": "scalar", "cls": _cls(v), "dtype": self.np.dtype(t).str}
            if kind in "fiub":
                node["v"] = float(self.np.float64(v))
            elif kind == "c":
                node["v"] = None
            return node
        if t is bool:
            return {"t": "bool", "v": bool(v)}
        if t is None.__class__:
            return {"t": "none"}
        if issubclass(t, float):
            return {"t": "float", "cls": _cls(v), "v": float.__float__(v)}
        if issubclass(t, int):
            return {"t": "int", "cls": _cls(v), "v": float(int.__int__(v)) if abs(int.__int__(v)) < 1e300 else None}
        if issubclass(t, complex):
            return {"t": "complex", "cls": _cls(v)}
        if issubclass(t, str):
            return {"t": "str", "v": str.__str__(v)[:200]}
        if issubclass(t, dict):
            items = {}
            for k, x in list(dict.items(v))[:1000]:
                key = k if type(k) is str else f"<{_cls(k)}>"
                items[key] = self.enc(x, blobs, budget, depth + 1, path + (key,))
            return {"t": "dict", "cls": _cls(v), "items": items}
        if issubclass(t, (list, tuple)):
            base = list if issubclass(t, list) else tuple
            n = min(base.__len__(v), 1000)
            items = [self.enc(base.__getitem__(v, i), blobs, budget, depth + 1, path + (i,)) for i in range(n)]
            return {"t": "list" if base is list else "tuple", "cls": _cls(v), "items": items}
        return {"t": "other", "cls": _cls(v)}

    def _same(self, a, b) -> bool:
        """Equal arrays (same dtype, shape, values); each pair compared once per reply (a
        cache's X is checked for being unchanged and for being the grader's own X)."""
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        ia, ib = a.__array_interface__, b.__array_interface__
        if ia["data"][0] == ib["data"][0] and a.strides == b.strides and not a.flags.writeable and not b.flags.writeable:
            return not self._tampered  # one read-only memory read the same way: lent, and the call could not write it
        key = (ia["data"][0], ib["data"][0], a.shape, a.strides, b.strides, a.dtype.str)  # the same memory, read the same way
        if key not in self._equal:
            self._equal[key] = bool(self.np.array_equal(a, b))
        return self._equal[key]

    def changed(self, before, after, blobs: list, budget: _Budget):
        """``{"t": "same"}`` for parts the call left alone; the new value for parts it changed.

        Sending only changes keeps big inputs (a 20 MB X) from travelling back after every call.
        """
        nd = self.ndarray
        if type(before) is nd and type(after) is nd:
            if self._same(nd.view(before, nd), nd.view(after, nd)) if before.nbytes >= 1 << 16 else (
                    before.shape == after.shape and before.dtype == after.dtype and nd.__eq__(before, after).all()):  # fmt: skip
                return {"t": "same"}
            return self.enc(after, blobs, budget)
        if type(before) is dict and type(after) is dict and dict.keys(before) == dict.keys(after):
            return {"t": "dict", "cls": "builtins.dict", "items": {k: self.changed(before[k], dict.__getitem__(after, k), blobs, budget) for k in before}}
        if type(before) in (list, tuple) and type(after) is type(before) and len(before) == len(after):
            items = [self.changed(b, a, blobs, budget) for b, a in zip(before, after)]
            return {"t": "list" if type(before) is list else "tuple", "cls": "builtins." + type(before).__name__, "items": items}
        if type(before) is type(after) and type(before) in (str, int, float) and before == after:
            return {"t": "same"}
        return self.enc(after, blobs, budget)

    # -- decoding what the grader sent --------------------------------------------
    def dec(self, node, blobs, shared: bool = False, lend: bool = False):
        """What the grader sent, as the student's code gets it: every array a fresh copy.
        ``shared``: no copies (views of the frame's buffer, the store's own arrays), for
        comparing against after a call; never handed to the student's code. ``lend``: a big
        (keyed) array as a read-only view of the store's copy instead (see op_call)."""
        t = node["t"]
        if t == "nd":
            if "k" in node:
                if node["k"] not in self.store or self._fresh.get(node["k"]) is not blobs:
                    # The frame's own buffer, kept: nothing else decodes that blob. Read-only:
                    # the student's code gets copies, or read-only views when lent.
                    stored = self.wire.decode_array(node, blobs)
                    for part in self._memory(stored):
                        part.flags.writeable = False
                    self.store[node["k"]] = stored
                    self._fresh[node["k"]] = blobs  # decoded from this frame: a second decode can copy the store
                return self._stored(node["k"], shared, lend)
            if shared:
                return self.wire.decode_array(node, blobs)
            return self.np.array(self.wire.decode_array(node, blobs), copy=True)  # never share a frame's buffer
        if t == "ref":
            return self._stored(node["k"], shared, lend)
        if t == "sref":
            entry = node["fn"]
            if entry not in self.kept:
                raise RuntimeError(f"gradcheck could not pass the value returned by {entry}: that call did not return one")
            value = self.kept[entry]
            try:
                for i in node.get("path", []):
                    value = value[i]
            except Exception:
                raise RuntimeError(f"gradcheck could not take part {node.get('path')} of what {entry} returned") from None
            return value
        if t == "dict":
            return {k: self.dec(x, blobs, shared, lend) for k, x in node["items"].items()}
        if t in ("list", "tuple"):
            items = [self.dec(x, blobs, shared, lend) for x in node["items"]]
            return tuple(items) if t == "tuple" else items
        if t == "float":
            return float(node["v"])
        if t == "int":
            return int(node["v"])
        if t == "str":
            return str(node["v"])
        raise ValueError(f"cannot decode {t}")

    def _memory(self, a) -> list:
        """An array and every array its memory is reached through (bases, and the buffer a
        frame was read into): a lent array is read-only only while all of them are."""
        chain = []
        while len(chain) < 8:
            if type(a) is memoryview:
                a = a.obj
            elif isinstance(a, self.ndarray):
                chain.append(a)
                a = a.base
            else:
                break
        return chain

    def _stored(self, key, shared: bool, lend: bool):
        stored = self.store[key]
        if shared:
            return stored
        if lend:
            view = stored.view()  # read-only, like its base
            self._lent.append(view)
            return view
        return stored.copy()  # every call gets its own copy

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
        self.wire.write_frame(self.rout, header, blobs or [])

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
        frames = []
        try:
            for fr in traceback.extract_tb(exc.__traceback__, limit=200):
                if self.path and os.path.realpath(fr.filename) == self.path:
                    frames.append([fr.lineno, fr.name, (fr.line or "")[:300]])
        except BaseException:
            pass
        syntax = {}
        if isinstance(exc, SyntaxError):
            syntax = {"line": exc.lineno, "offset": exc.offset}
        return {
            "kind": kind,
            "type": type(exc).__name__,
            "message": _safe_str(exc),
            "name": getattr(exc, "name", None) if isinstance(exc, NameError) else None,
            "frames": frames[-20:],
            **syntax,
        }

    # -- operations ---------------------------------------------------------------------
    def op_import(self, req: dict) -> dict:
        self.path = os.path.realpath(req["path"])
        module, provided = _loading.new_module(req, self.path)  # helpers, stand-ins, package: docs/loading.md
        self.module = module
        try:
            with open(self.path, "rb") as fh:
                source = fh.read()  # bytes: compile() honours the coding cookie, as import does
            code = compile(source, self.path, "exec")
            exec(code, module.__dict__)
        except BaseException as exc:  # noqa: BLE001 - anything the student raises is a finding
            return {"ok": False, "error": self.error_info(exc)}
        functions = sorted(
            k for k, v in list(module.__dict__.items()) if callable(v) and not k.startswith("__") and not isinstance(v, type)
        )
        provided_used = sorted(k for k in provided if module.__dict__.get(k) is provided[k])
        return {"ok": True, "functions": functions, "provided": provided_used}

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

            sys.setprofile(profiler)
        start = time.perf_counter()
        try:
            return fn(*args), time.perf_counter() - start
        finally:
            sys.setprofile(None)

    def op_call(self, req: dict, blobs: list) -> tuple[dict, list]:
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
        retry = False
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
        budget = _Budget()
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
            }
            if req.get("spare") and not req.get("keep") and all(node == {"t": "same"} for node in header["args_after"]):
                self._spare[req["spare"]] = (args, self._lent)
        finally:
            self._argkeys, self._digest, self._equal, self._lent, self._tampered = {}, False, {}, [], False
        return header, out

    def _check_lent(self) -> None:
        """A lent array (or memory it is reached through) turned writable during the call:
        nothing about it can be vouched for. (Writes that ignore the flag, such as numpy's
        ufunc.at, are not seen: docs/hostile.md.)"""
        for part in (part for view in self._lent for part in self._memory(view)):
            if part.flags.writeable:
                self._tampered = True
                try:
                    part.flags.writeable = False
                except ValueError:
                    pass

    def _store_memory(self) -> set:
        """The ids of the store's arrays and of every array their memory is reached through."""
        return {id(part) for stored in self.store.values() for part in self._memory(stored)}

    def _on_store(self, a, store: set) -> bool:
        return any(id(part) in store for part in self._memory(a))

    def _holds_lent(self, value, store: set, depth: int = 0) -> bool:
        """Whether ``value`` reaches a store array's memory (lent now, or kept from a call it was lent to)."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(value, self.ndarray):
            return self._on_store(value, store)
        if type(value) is dict:
            return any(self._holds_lent(v, store, depth + 1) for v in value.values())
        if isinstance(value, (list, tuple)):
            return any(self._holds_lent(v, store, depth + 1) for v in value)
        return False

    def _writable(self, value, store: set, depth: int = 0):
        """``value`` with each array on a store array's memory replaced by a copy (lists,
        tuples and named tuples rebuilt; other objects as they are)."""
        if depth > MAX_DEPTH:
            return value
        if isinstance(value, self.ndarray):
            return value.copy() if self._on_store(value, store) else value
        if type(value) is dict:
            return {k: self._writable(v, store, depth + 1) for k, v in value.items()}
        t = type(value)
        if t in (list, tuple):
            return t(self._writable(v, store, depth + 1) for v in value)
        if isinstance(value, tuple) and hasattr(t, "_fields"):  # a named tuple
            try:
                return t(*(self._writable(v, store, depth + 1) for v in value))
            except Exception:  # noqa: BLE001 - a tuple subclass that builds differently: as it is
                return value
        return value

    def _note_args(self, node, arg) -> None:
        """Remember which argument arrays came from keyed (grader-held) arrays."""
        if not isinstance(node, dict):
            return
        t = node.get("t")
        if t in ("nd", "ref") and "k" in node and type(arg) is self.ndarray:
            self._argkeys[id(arg)] = (node["k"], arg)
        elif t == "dict" and type(arg) is dict:
            for k, sub in node.get("items", {}).items():
                if k in arg:
                    self._note_args(sub, arg[k])
        elif t in ("list", "tuple") and type(arg) in (list, tuple):
            for sub, a in zip(node.get("items", []), arg):
                self._note_args(sub, a)

    def op_pipeline(self, req: dict, blobs: list) -> tuple[dict, list]:
        """Evaluate J with the student's functions at many perturbed points."""
        np = self.np
        env = {k: self.dec(v, blobs, lend=True) for k, v in req["env"].items()}  # read-only, like every input below
        self._lent = []  # nothing is vouched for after a batch
        steps = req["steps"]
        fns = [self._function(s["call"]) for s in steps]
        dirs = [np.asarray(self.dec(d, blobs), dtype=np.float64) for d in req.get("directions", [])]  # sent as float32
        lowest = [8]

        def build(tpl, scope):
            if isinstance(tpl, str):
                return scope[tpl]
            if isinstance(tpl, dict):
                return {k: build(v, scope) for k, v in tpl.items()}
            return tuple(build(v, scope) for v in tpl)

        def bind(tpl, value, scope):
            if isinstance(tpl, str):
                if tpl != "_":
                    scope[tpl] = value
                return
            if isinstance(tpl, dict):
                for k, sub in tpl.items():
                    bind(sub, value[k], scope)
                return
            items = list(value)
            if len(items) != len(tpl):
                raise ValueError(f"expected {len(tpl)} values, got {len(items)}")
            for sub, item in zip(tpl, items):
                bind(sub, item, scope)

        def note_precision(value):
            t = type(value)
            if issubclass(t, self.ndarray) and value.dtype.kind == "f":
                lowest[0] = min(lowest[0], value.dtype.itemsize)

        copies = [False]  # first without copying the inputs (a 20 MB X per evaluation): see below

        def fresh(value):
            if type(value) is self.ndarray:
                return np.array(value, copy=True)
            if type(value) is dict:
                return {k: fresh(v) for k, v in value.items()}
            if type(value) in (list, tuple):
                return type(value)(fresh(v) for v in value)
            return value

        def cost(scope):
            scope = dict(scope)
            for step, fn in zip(steps, fns):
                args = [build(a, scope) for a in step["args"]]
                if copies[0]:
                    args = [fresh(a) for a in args]
                result = fn(*args)
                for item in result if type(result) is tuple else (result,):
                    note_precision(item)
                bind(step["bind"], result, scope)
            j = scope["J"]
            arr = np.asarray(j, dtype=np.float64) if type(j) is not tuple else None
            if arr is None or arr.size != 1:
                raise TypeError("the cost is not a single number")
            note_precision(j if type(j) is self.ndarray else np.float64(0))
            return float(arr.reshape(-1)[0])

        def readonly(value):
            if type(value) is self.ndarray:
                value.flags.writeable = False
            return value

        def evaluate():
            started = time.perf_counter()
            base = cost(env) if req.get("base", True) else None
            seconds = time.perf_counter() - started
            plus, minus = [], []
            for item in req["perturb"]:
                h = float(item["h"])
                if "joint" in item:  # one direction across several parameters at once
                    deltas = {part["param"]: dirs[int(part["direction"])] * h for part in item["joint"]}
                elif "index" in item:
                    deltas = {item["param"]: (int(item["index"]), h)}  # one entry: no array of zeros
                else:
                    deltas = {item["param"]: dirs[int(item["direction"])] * h}
                originals = {name: env[name] for name in deltas}
                for op, sink in ((np.add, plus), (np.subtract, minus)):
                    for name, delta in deltas.items():
                        if type(delta) is tuple:
                            value = np.array(originals[name], copy=True)
                            flat = value.reshape(-1)
                            flat[delta[0]] = op(flat[delta[0]], delta[1])
                        else:
                            value = op(originals[name], delta)
                        env[name] = value if copies[0] else readonly(value)
                    sink.append(cost(env))
                env.update(originals)
            return base, seconds, plus, minus

        # The inputs are shared between evaluations, read-only. Code that writes into its
        # inputs fails on them; it is then evaluated again from the start with fresh copies.
        pristine = {k: v for k, v in env.items()}
        for value in env.values():
            readonly(value)
            for leaf in value.values() if type(value) is dict else value if type(value) in (list, tuple) else ():
                readonly(leaf)
        try:
            base, seconds, plus, minus = evaluate()
        except BaseException:  # noqa: BLE001 - tried again with copies
            copies[0] = True
            env = {k: fresh(v) for k, v in pristine.items()}
            try:
                base, seconds, plus, minus = evaluate()
            except BaseException as exc:  # noqa: BLE001
                return {"ok": False, "error": self.error_info(exc)}, []
        out: list = []
        return {
            "ok": True,
            "base": base,
            "seconds": seconds,
            "plus": self.wire.encode_array(np.array(plus, dtype=np.float64), out),
            "minus": self.wire.encode_array(np.array(minus, dtype=np.float64), out),
            "itemsize": lowest[0],
        }, out

    def serve(self) -> None:
        while True:
            try:
                req, blobs = self.wire.read_frame(self.rin)
            except EOFError:
                return
            self._fresh = {}
            op = req.get("op")
            try:
                if op == "import":
                    self.send(self.op_import(req))
                elif op == "call":
                    self.send(*self.op_call(req, blobs))
                elif op == "pipeline":
                    self.send(*self.op_pipeline(req, blobs))
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
    """Fork server: wait for requests, fork a fresh child for each (see zygote.py)."""
    import socket

    _load_wire()  # numpy imported once, here; every forked child inherits it
    sock = socket.socket(fileno=sock_fd)
    statuses: dict[int, str] = {}
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, 4096, 3)
        except OSError:
            os._exit(0)
        if not msg:
            os._exit(0)  # the grader is gone
        text = msg.decode(errors="replace").strip()
        if text.startswith("poll "):
            pid = int(text[5:])
            if pid not in statuses:
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done, status = pid, 9
                if done:
                    statuses[pid] = f"exited {os.waitstatus_to_exitcode(status)}" if os.WIFEXITED(status) else f"signaled {os.WTERMSIG(status) if os.WIFSIGNALED(status) else 9}"
            sock.sendall((statuses.get(pid, "running") + "\n").encode())
            continue
        if not text.startswith("fork ") or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            sock.sendall(b"error bad request\n")
            continue
        cwd = text[5:]
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                os.setsid()  # its own process group, killed as one
                for target, fd in enumerate(fds):
                    os.dup2(fd, target)
                    os.close(fd)
                os.chdir(cwd)
                os.environ["HOME"] = os.environ["TMPDIR"] = cwd
                main()
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        sock.sendall(f"pid {pid}\n".encode())


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
    unavailable = _limits(cfg)
    scratch = cfg["scratch"]
    os.chdir(scratch)
    child = Child(proto_in, proto_out, wire)
    _install_guard(scratch)  # after numpy (which may use ctypes), before the submission
    child.send({"ok": True, "pid": os.getpid(), "unavailable": unavailable, "python": sys.version.split()[0]})
    child.serve()
    os._exit(0)  # don't wait for threads the student left behind


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--zygote":
        zygote(int(sys.argv[2]))
    else:
        main()
