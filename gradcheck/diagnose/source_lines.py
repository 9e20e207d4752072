"""Reading the student's source for a finding's line: assignments, calls, exits, randomness."""

from __future__ import annotations

import ast

from ..check import parsed
from . import locate


def assigned_at(source: str, function: str, line: int) -> str | None:
    tree = locate.parse(source)
    func = locate.function_node(tree, function) if tree else None
    if func is None:
        return None

    for node in ast.walk(func):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.lineno <= line <= (node.end_lineno or node.lineno):
            t = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(t, ast.Name):
                return t.id
            if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                return t.slice.value
    return None


def called(source: str, function: str) -> set[str]:
    """Names of the functions ``function`` calls (plain calls, read from the source)."""

    tree = locate.parse(source)
    func = locate.function_node(tree, function) if tree else None
    if func is None:
        return set()
    return {n.func.id for n in parsed.nodes(func) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def exit_call(source: str, function: str) -> locate.Span | None:
    """The line of an os._exit / sys.exit / exit() call inside ``function`` (or at top level)."""

    tree = locate.parse(source)
    if tree is None:
        return None
    scope = locate.function_node(tree, function) or tree
    for node in ast.walk(scope):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("os._exit", "sys.exit", "exit", "quit", "os.abort", "os.kill"):
                return locate.Span(node.lineno, node.lineno)
    return None


def source_line(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def mutation_line(source: str, function: str, names: list[str], trace=None) -> locate.Span | None:
    """The line that wrote into an input in place: from the traced call (the call into the
    helper that did it, when a helper did), else the first line that may, read from the source."""
    written = sorted(trace.args.values()) if trace is not None else []
    if written:
        return locate.Span(written[0][0], written[0][0])
    span = locate.locate_function(source, function)
    if span is None:
        return None
    tree = locate.parse(source)
    func = locate.function_node(tree, function) if tree else None
    if func is None:
        return span

    candidates = []
    for node in ast.walk(func):
        if isinstance(node, ast.AugAssign):
            candidates.append(node.lineno)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript) for t in node.targets):
            candidates.append(node.lineno)
        if isinstance(node, ast.Call) and any(kw.arg == "out" for kw in node.keywords):
            candidates.append(node.lineno)
    return locate.Span(min(candidates), min(candidates)) if candidates else span


def random_call(source: str, function: str) -> locate.Span | None:
    """The first line in ``function`` that draws random numbers."""

    tree = locate.parse(source)
    func = locate.function_node(tree, function) if tree else None
    return _first_call(func, lambda called: "random" in called.lower()) if func is not None else None


def _first_call(scope: ast.AST, wanted) -> locate.Span | None:
    """The first line (in source order) of ``scope`` with a call whose callee, as written,
    ``wanted`` accepts."""
    for node in sorted(parsed.nodes(scope), key=lambda n: getattr(n, "lineno", 0)):
        if isinstance(node, ast.Call) and wanted(ast.unparse(node.func)):
            return locate.Span(node.lineno, node.lineno)
    return None


THREAD_STARTS = ("Thread", "Timer", "start_new_thread", "start_new", "submit", "ThreadPoolExecutor")


def thread_start(source: str, function: str | None) -> locate.Span | None:
    """The first line in ``function`` (else anywhere in the file) that starts a thread."""
    tree = locate.parse(source)
    if tree is None:
        return None
    func = locate.function_node(tree, function) if function else None
    starts = lambda called: called.rsplit(".", 1)[-1] in THREAD_STARTS  # noqa: E731
    return (_first_call(func, starts) if func is not None else None) or _first_call(tree, starts)


def call_at(source: str, function: str, line: int) -> tuple[str, str | None] | None:
    """(the function called, the name passed first) of the plain call on ``line``, if one."""
    tree = locate.parse(source)
    func = locate.function_node(tree, function) if tree else None
    if func is None:
        return None
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.lineno == line:
            first = node.args[0].id if node.args and isinstance(node.args[0], ast.Name) else None
            return node.func.id, first
    return None
