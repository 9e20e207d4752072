"""IPython syntax in a notebook cell (magics, shell lines, help), commented out before parsing.

A line magic or shell line becomes a comment (``pass  # …`` inside an indented block); a cell
magic whose body is Python (``%%time``) loses only its first line; any other cell magic makes
the cell not Python. A ``%`` that continues a Python line is an operator and is left alone.
"""

from __future__ import annotations

import io
import re
import tokenize
import warnings

from ..spec import pyast

# Cell magics whose body is ordinary Python run once (or timed): only the first line goes.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun", "snakeviz"})

_CELL_MAGIC = re.compile(r"^\s*%%\s*([A-Za-z_][\w-]*)")
_LINE_MAGIC = re.compile(r"^\s*[%!]")
_HELP = re.compile(r"^\s*(\?\??[\w.]+|[\w.]+\?\??)\s*$")
_ASSIGN_MAGIC = re.compile(r"^\s*[A-Za-z_][\w.,\s\[\]()*]*=\s*[%!](?!=)")


def _strip_magics(lines: list[str]) -> tuple[list[str], str | None]:
    """Comment out IPython syntax; the name of a non-Python cell magic when the cell is one."""
    out = list(lines)
    first = next((i for i, ln in enumerate(out) if ln.strip()), None)
    if first is not None:
        m = _CELL_MAGIC.match(out[first])
        if m:
            if m.group(1) not in PYTHON_CELL_MAGICS:
                return out, m.group(1)
            out[first] = "# " + out[first]
    code = "\n".join(out) + "\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pyast.parse(code)
        return out, None  # plain Python: a line starting with % is an operator's continuation
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    inside = _continuations(out)
    for i, ln in enumerate(out):
        if i in inside:
            continue  # `% (400, 2)` inside brackets or after a backslash is Python, not a magic
        if _LINE_MAGIC.match(ln) or _HELP.match(ln) or _ASSIGN_MAGIC.match(ln):
            stripped = ln.lstrip()
            indent = ln[: len(ln) - len(stripped)]
            out[i] = f"{indent}pass  # {stripped}" if indent else f"# {stripped}"
    return out, None


def _continuations(lines: list[str]) -> set[int]:
    """Indexes of lines that continue the previous line's Python (open brackets, a trailing backslash)."""
    out: set[int] = set()
    depth, row = 0, 0
    text = "\n".join(lines) + "\n"
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            start = tok.start[0] - 1
            while row < start:  # lines reached inside brackets
                row += 1
                if depth > 0 or (row - 1 < len(lines) and lines[row - 1].rstrip().endswith("\\")):
                    out.add(row)
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                out.update(range(tok.start[0], tok.end[0]))  # lines inside a multi-line string
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth = max(0, depth - 1)
    except (tokenize.TokenError, SyntaxError, IndentationError, ValueError):
        pass  # what was read so far stands; the rest is treated line by line
    return out
