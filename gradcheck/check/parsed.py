"""A submission's syntax tree, parsed once per text: reading the file's definitions, its
arities and whether it is a notebook export parsed the same text five times per grade.

The trees are shared: callers only read them (ast.walk, isinstance checks), never change them.
A text whose parse warns (a SyntaxWarning such as an invalid escape) or fails is not kept:
each caller then parses it as before, with its own handling of warnings and errors.
"""

from __future__ import annotations

import ast
import functools
import threading
import warnings
from collections import OrderedDict

from ..spec import pyast

KEEP = 8  # texts: a batch's two jobs, a fix's candidate and control, the grade's variants
_TREES: OrderedDict[str, ast.Module] = OrderedDict()
_LOCK = threading.Lock()


def tree(source: str) -> ast.Module | None:
    """The parsed module, or None when parsing it fails or warns (the caller parses it itself)."""
    with _LOCK:
        found = _TREES.get(source)
        if found is not None:
            _TREES.move_to_end(source)
            return found
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            parsed = pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if said:
        return None
    with _LOCK:
        _TREES[source] = parsed
        while len(_TREES) > KEEP:
            _TREES.popitem(last=False)
    return parsed


def clear() -> None:
    with _LOCK:
        _TREES.clear()


@functools.lru_cache(maxsize=512)
def nodes(node: ast.AST) -> tuple[ast.AST, ...]:
    """``ast.walk(node)``, kept per node: a report reads the same few trees dozens of times
    (which functions a file defines, which statement is on a line), and walking a tree again
    was most of the grader's own work on a planar file. For trees nobody changes (``tree``'s,
    a finding's source)."""
    return tuple(ast.walk(node))
