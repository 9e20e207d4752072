"""Which line of the submission wrote each value of one graded call (child side).

Loaded by path in the child (child.py); it never imports gradcheck. The grader asks for it
only for the call it explains (a failing one), so its cost is paid once per function.

How a value is tied to a line. After every line of the student's code has run, the frame's
slots — its locals, the entries of the dicts and lists they hold and the attributes of the
objects they hold — are compared by identity (``is``) with the previous snapshot. A slot that
now holds another object was written by that line, and an object seen for the first time is
*born* there (``dW_temp = …`` at the call, not ``grads["dW3"] = dW_temp`` that stores it
later). Writes that keep the identity — ``dZ[Z <= 0] = 0``, ``dW *= 2``, ``out=dZ`` — are
read from the statement's syntax (its in-place store targets) and re-date the object. An
object born in a helper the student called carries the helper's line as well as the line of
the call in the graded function. Only lines that ran are seen, so a branch that did not run
is never named. Identity is sound where values are compared (a numpy result is a fresh
object); names alone are not (``grads`` is assigned once and filled later).

The reply is data: {"values": [[path, line, helper_line|None]] (paths from "return", "locals" or "args": a value the call
made and put into an input), "names": {local: [lines]},
"lines": [lines of the graded function that ran], "ran": [lines that ran anywhere], "args": [[path, line, helper_line]],
"stores": [[path, line]] (the line that put an entry of a returned dict or list, or of an input, in its place: ``grads[key] = v``),
"origins": [[path, line]] (the line that made a value later written in place, where it differs from "values"),
"reborn": [lines of the graded function that made a new object more than once: ``db = np.zeros(…)`` inside a loop],
"ints": {local: its integer value when the call returned} (``m``, a size the student computed),
"sums": {local: [size, sum of |v|, sum of v²]} of the float arrays the locals held when the call returned
(the numbers, not their order or shape: a statistic the student computed, compared with the reference's),
"returned": the line of the graded function it returned from (None when it raised),
"raised": [[function, line, [[parameter, structure]]]] when the call raised: the frames of the file it left}.
"""

from __future__ import annotations

import ast
import sys

# The child's own sys functions and its gate (child.py sets both; sealing.py): sys.settrace
# is gone from sys once the submission runs, and the audit hook refuses it while the gate is shut.
SYS = sys


def gated(fn, *args):  # child.py sets sealing.gated with the child's gate; outside the child there is none
    return fn(*args)


MAX_SLOTS = 256  # per frame snapshot: entries of containers looked into
MAX_LEAVES = 512  # paths reported for the returned tree
MAX_WRITES = 8  # lines kept per local name
_CONTAINERS = (dict, list)
_SHARED = (bool, int, str, bytes, type(None))


def inplace_targets(source: str) -> dict[int, tuple[int, tuple[str, ...]]]:
    """line -> (the statement's first line, the names it writes into in place)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    out: dict[int, tuple[int, tuple[str, ...]]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        names: list[str] = []
        targets: list = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, (ast.Subscript, ast.Attribute)) and isinstance(sub.ctx, ast.Store):
                    base = sub.value
                    while isinstance(base, (ast.Subscript, ast.Attribute)):
                        base = base.value
                    if isinstance(base, ast.Name):
                        names.append(base.id)
            if isinstance(node, ast.AugAssign) and isinstance(t, ast.Name):
                names.append(t.id)  # an array's *= keeps its identity
        simple = not hasattr(node, "body")
        for sub in ast.walk(node) if simple else ():
            if isinstance(sub, ast.Call):
                names += [kw.value.id for kw in sub.keywords if kw.arg == "out" and isinstance(kw.value, ast.Name)]
        end = (getattr(node, "end_lineno", None) or node.lineno) if simple else node.lineno
        for line in range(node.lineno, end + 1):
            if line not in out or out[line][0] < node.lineno:  # the innermost statement wins
                out[line] = (node.lineno, tuple(names))
    return out


def _slots(frame_locals: dict) -> dict:
    """slot -> the object in it: names, and one level into dicts, lists and attributes."""
    out: dict = {}
    budget = MAX_SLOTS
    for name, obj in frame_locals.items():
        out[(name,)] = obj
        if budget <= 0:
            continue
        if type(obj) in _CONTAINERS:
            items = obj.items() if type(obj) is dict else enumerate(obj)
            for key, v in list(items)[:budget]:
                out[(name, key)] = v
            budget -= len(obj)
        else:
            attrs = getattr(obj, "__dict__", None)
            if type(attrs) is dict and not isinstance(obj, type) and type(obj).__name__ not in ("module", "function"):
                for key, v in list(attrs.items())[:budget]:
                    out[(name, "." + str(key))] = v
                budget -= len(attrs)
    return out


def _leaves(value, path: tuple, out: list, depth: int = 0) -> None:
    if len(out) >= MAX_LEAVES:
        return
    out.append((path, value))
    if depth >= 4:
        return
    if type(value) in (tuple, list):
        for i, v in enumerate(value):
            _leaves(v, (*path, i), out, depth + 1)
    elif type(value) is dict:
        for k, v in value.items():
            if type(k) in (str, int):
                _leaves(v, (*path, k), out, depth + 1)


class Recorder:
    """The state of one traced call: which object was born or re-dated at which line."""

    def __init__(self, path: str, source: str, top_code, args: list = ()) -> None:
        self.path = path
        given: list = []
        for i, a in enumerate(args):
            _leaves(a, ("args", i), given)
        self.given = {id(o) for _, o in given}  # what the call was handed (kept alive by the caller)
        self.top_code = top_code
        self.inplace = inplace_targets(source)
        self.frames: dict = {}  # id(frame) -> [frame, last statement line, snapshot, depth]
        self.top = None
        self.born: dict[int, tuple] = {}  # id -> (obj, line, helper line)  (obj: keeps the id unique)
        self.written_into: dict[int, tuple] = {}  # id -> (obj, line, helper line): written in place
        self.helper_born: dict[int, tuple] = {}  # id -> (obj, line in the helper the student called)
        self.names: dict[str, list[int]] = {}
        self.lines: set[int] = set()
        self.ran: set[int] = set()  # lines that ran in any frame of the file (the graded function's and its helpers')
        self.stores: dict[tuple, tuple] = {}  # (id(container), key) -> (container, line that stored it last)
        self.origin: dict[int, int] = {}  # id -> the line that made it (in-place writes do not re-date it)
        self.births: dict[int, int] = {}  # line -> how many objects it made (more than one: it ran again, in a loop)
        self.top_return: tuple = (None, [])
        self.top_locals: dict = {}

    def statement(self, line: int) -> int:
        return self.inplace.get(line, (line, ()))[0]

    def on_call(self, frame) -> None:
        if self.top is None:
            if frame.f_code is not self.top_code:
                return
            self.top, depth = frame, 0
        else:
            parent = frame.f_back
            while parent is not None and id(parent) not in self.frames:
                parent = parent.f_back
            if parent is None:
                return
            depth = self.frames[id(parent)][3] + 1
        self.frames[id(frame)] = [frame, None, _slots(frame.f_locals), depth]

    def _mark(self, frame, depth: int, obj, line: int, inplace: bool) -> None:
        """``obj`` was written at ``line`` of ``frame``."""
        if obj is None or type(obj) in _SHARED:
            return  # interned or cached: the same object is everywhere, its identity says nothing
        key = id(obj)
        if depth == 0:
            if not inplace and key not in self.born:  # first seen: made by this line
                self.origin[key] = line
                self.births[line] = self.births.get(line, 0) + 1
            if inplace or key not in self.born:
                helper = self.helper_born.get(key)
                self.born[key] = (obj, line, helper[1] if helper and not inplace else None)
            if inplace:
                self.written_into[key] = self.born[key]
            return
        helper_frame = frame
        while helper_frame is not None and (id(helper_frame) not in self.frames or self.frames[id(helper_frame)][3] > 1):
            helper_frame = helper_frame.f_back
        if helper_frame is None or self.top is None:
            return
        hline = self.statement(helper_frame.f_lineno) if depth > 1 else line
        if depth == 1 and not inplace:
            self.helper_born.setdefault(key, (obj, hline))
        if inplace:  # a callee wrote into an object the caller holds: date it at the call
            self.born[key] = self.written_into[key] = (obj, self.statement(self.top.f_lineno), hline)
            self.helper_born[key] = (obj, hline)

    def after_line(self, frame, record: list) -> None:
        """The statement that last started in ``frame`` has finished: what did it write?"""
        line = record[1]
        if line is None:
            return
        depth = record[3]
        now = _slots(frame.f_locals)
        old = record[2]
        for slot, obj in now.items():
            if slot not in old or old[slot] is not obj:
                self._mark(frame, depth, obj, line, False)
                if depth == 0 and len(slot) == 2 and not (type(slot[1]) is str and slot[1].startswith(".")):
                    box = frame.f_locals.get(slot[0])
                    if old.get((slot[0],)) is box or id(box) not in self.given:  # written into, or built here; not unpacked from an input
                        self.stores[(id(box), slot[1])] = (box, line)  # grads["dA2"] = … : the line that put it there
                if depth == 0 and len(slot) == 1:
                    writes = self.names.setdefault(slot[0], [])
                    writes.append(line)
                    del writes[:-MAX_WRITES]
        for name in self.inplace.get(line, (line, ()))[1]:
            if name in frame.f_locals:
                obj = frame.f_locals[name]
                self._mark(frame, depth, obj, line, True)
                if depth == 0:
                    writes = self.names.setdefault(name, [])
                    writes.append(line)
                    del writes[:-MAX_WRITES]
        record[2] = now

    def on_line(self, frame, line: int) -> None:
        record = self.frames.get(id(frame))
        if record is None:
            return
        self.after_line(frame, record)
        record[1] = self.statement(line)
        self.ran.add(record[1])
        if record[3] == 0:
            self.lines.add(record[1])

    def on_return(self, frame, value) -> None:
        record = self.frames.pop(id(frame), None)
        if record is None:
            return
        self.after_line(frame, record)
        line = record[1] or frame.f_code.co_firstlineno
        leaves: list = []
        _leaves(value, ("return",), leaves)
        if record[3] == 1:
            for _, obj in leaves:
                self.helper_born.setdefault(id(obj), (obj, line))
        if record[3] == 0:
            self.top_return = (line, leaves)
            self.top_locals = dict(frame.f_locals)

    def reply(self, args: list) -> dict:
        values = []
        line, leaves = self.top_return
        for path, obj in leaves:
            born = self.born.get(id(obj))
            if born is not None:
                values.append([list(path), born[1], born[2]])
            elif line is not None:
                helper = self.helper_born.get(id(obj))
                values.append([list(path), line, helper[1] if helper else None])
        for name, obj in list(self.top_locals.items())[:MAX_SLOTS]:
            born = self.born.get(id(obj))
            if born is not None:
                values.append([["locals", name], born[1], born[2]])
        arg_leaves: list = []
        for i, a in enumerate(args):
            _leaves(a, ("args", i), arg_leaves)
        touched = []
        for path, obj in arg_leaves:
            born = self.written_into.get(id(obj))
            if born is not None:
                touched.append([list(path), born[1], born[2]])
            born = self.born.get(id(obj))
            if born is not None and len(path) > 2:  # made by the call and put into an input (bn_param["running_mean"] = …)
                values.append([list(path), born[1], born[2]])
        named = [(("locals", k), v) for k, v in list(self.top_locals.items())[:MAX_SLOTS]]
        origins = [[list(p), line] for p, line in ((p, self._remade(o)) for p, o in [*leaves, *named]) if line is not None]
        return {
            "values": values,
            "names": self.names,
            "lines": sorted(self.lines),
            "ran": sorted(self.ran),
            "args": touched,
            "stores": self._stored(leaves) + self._stored(arg_leaves),
            "origins": origins,
            "reborn": sorted(line for line, n in self.births.items() if n > 1),
            "returned": self.top_return[0],
            "ints": {k: v for k, v in list(self.top_locals.items())[:MAX_SLOTS] if type(v) is int and -(2**53) < v < 2**53},
            "sums": {k: s for k, s in ((k, _sums(v)) for k, v in list(self.top_locals.items())[:MAX_SLOTS]) if s is not None},
        }

    def _remade(self, obj) -> int | None:
        """The line that made ``obj``, when a later in-place write re-dated it."""
        made, born = self.origin.get(id(obj)), self.born.get(id(obj))
        return made if made is not None and born is not None and born[1] != made else None

    def _stored(self, leaves: list) -> list:
        """[path, line] of the statement that put each leaf in its container (``grads[key] = v``)."""
        objects = dict(leaves)
        out = []
        for path, _ in leaves:
            parent = objects.get(path[:-1]) if len(path) > 1 else None
            stored = self.stores.get((id(parent), path[-1])) if parent is not None else None
            if stored is not None and stored[0] is parent:
                out.append([list(path), stored[1]])
        return out


MAX_SUMMED = 1 << 20  # entries of an array summed for "sums"


def _sums(value) -> list | None:
    """[size, sum of |v|, sum of v²] of a float array, None for anything else."""
    if type(value).__name__ != "ndarray" or getattr(getattr(value, "dtype", None), "kind", None) != "f" or not 0 < value.size <= MAX_SUMMED:
        return None
    try:
        return [int(value.size), float(abs(value).sum()), float((value * value).sum())]
    except Exception:  # noqa: BLE001 - an array subclass that misbehaves: no sums, not no trace
        return None


def describe(value, depth: int = 0) -> dict:
    """A value's structure as data (never its contents): its type, length, shape, first items."""
    kind = type(value).__name__[:40]
    out: dict = {"type": kind}
    shape = getattr(value, "shape", None) if kind in ("ndarray", "matrix") and depth == 0 else None
    if type(shape) is tuple and all(type(n) is int for n in shape):
        out["shape"] = list(shape)[:8]
    if type(value) in (list, tuple, dict):
        out["len"] = len(value)
        if depth < 1:  # one level, items without shapes: the reply's data nests at most 8 deep (sandbox/replies.py)
            items = list(value.values() if type(value) is dict else value)[:4]
            out["items"] = [describe(v, depth + 1) for v in items]
    return out


def raised_frames(exc: BaseException, path: str) -> list:
    """[function, line, [[parameter, structure]]] for each frame of the file the exception left, outermost first."""
    out = []
    tb = exc.__traceback__
    while tb is not None and len(out) < 20:
        frame = gated(getattr, tb, "tb_frame")
        code = frame.f_code
        if code.co_filename == path:
            names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount][:8]
            local = frame.f_locals
            out.append([code.co_name, tb.tb_lineno, [[n, describe(local[n])] for n in names if n in local]])
        tb = tb.tb_next
    return out


def run_traced(fn, args: list, path: str, source: str) -> tuple:
    """``fn(*args)`` under the tracer: (value or None, exception or None, the reply's trace)."""
    code = getattr(fn, "__code__", None)
    rec = Recorder(path, source, code, args)
    monitoring = getattr(sys, "monitoring", None)
    value = exc = None
    if monitoring is not None:
        runner = _run_monitored
    else:
        runner = _run_settrace
    try:
        value = runner(rec, fn, args, path)
    except BaseException as e:  # noqa: BLE001 - the student's exception is part of the answer
        exc = e
    reply = rec.reply(args)
    if exc is not None:
        try:
            reply["raised"] = raised_frames(exc, path)
        except Exception:  # noqa: BLE001 - a value whose type misbehaves: no frames, not no trace
            reply["raised"] = []
    return value, exc, reply


def _run_settrace(rec: Recorder, fn, args: list, path: str):
    def local(frame, event, arg):
        if event == "line":
            rec.on_line(frame, frame.f_lineno)
        elif event == "return":
            rec.on_return(frame, arg)
        return local

    def global_(frame, event, arg):
        if frame.f_code.co_filename != path:
            return None
        rec.on_call(frame)
        return local if id(frame) in rec.frames else None

    old = SYS.gettrace()
    gated(SYS.settrace, global_)
    try:
        return fn(*args)
    finally:
        gated(SYS.settrace, old)


def _run_monitored(rec: Recorder, fn, args: list, path: str):  # pragma: no cover - Python 3.12+
    mon = sys.monitoring
    tool = next((t for t in range(6) if mon.get_tool(t) is None), None)
    if tool is None:
        return _run_settrace(rec, fn, args, path)
    ev = mon.events
    mon.use_tool_id(tool, "gradcheck-lines")
    getframe = sys._getframe

    def start(code, offset):
        if code.co_filename != path:
            return mon.DISABLE
        rec.on_call(getframe(1))
        return None

    def line(code, lineno):
        if code.co_filename != path:
            return mon.DISABLE
        rec.on_line(getframe(1), lineno)
        return None

    def ret(code, offset, value):
        if code.co_filename != path:
            return mon.DISABLE
        rec.on_return(getframe(1), value)
        return None

    def unwind(code, offset, exc):
        if code.co_filename != path:
            return None
        rec.on_return(getframe(1), None)
        return None

    mon.register_callback(tool, ev.PY_START, start)
    mon.register_callback(tool, ev.PY_UNWIND, unwind)
    mon.register_callback(tool, ev.LINE, line)
    mon.register_callback(tool, ev.PY_RETURN, ret)
    mon.set_events(tool, ev.PY_START | ev.LINE | ev.PY_RETURN | ev.PY_UNWIND)
    try:
        return fn(*args)
    finally:
        mon.set_events(tool, 0)
        mon.restart_events()
        for e in (ev.PY_START, ev.LINE, ev.PY_RETURN, ev.PY_UNWIND):
            mon.register_callback(tool, e, None)
        mon.free_tool_id(tool)


def answer(child, req: dict, blobs: list) -> dict:
    """The "trace" request: run ``req["fn"]`` once more, on copies of its arguments, traced."""
    fn = child._function(req["fn"])
    args = [child.dec(a, blobs) for a in req["args"]]
    try:
        with open(child.path, "rb") as fh:
            source = fh.read().decode("utf-8", errors="replace")
    except OSError:
        source = ""
    _value, exc, trace = run_traced(fn, args, child.path, source)
    header = {"ok": True, "trace": trace}
    if exc is not None:
        header["raised"] = type(exc).__name__[:200]
    return header
