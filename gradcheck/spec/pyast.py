"""``ast.parse`` for the grader's threads.

CPython 3.11 keeps the AST converter's recursion depth in state shared by every thread, so two
threads parsing at once can fail with ``SystemError: AST constructor recursion depth mismatch``
(python/cpython#106905, fixed in 3.12). The grader parses on several threads (a batch's jobs,
a fix's control beside its candidate, the judge during the finite differences): one lock.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_LOCK = threading.Lock()


def parse(source: str, filename: str = "<unknown>", mode: str = "exec", **kwargs: Any) -> Any:
    with _LOCK:
        return ast.parse(source, filename, mode, **kwargs)
