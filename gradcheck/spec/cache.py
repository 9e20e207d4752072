"""What a fresh command line remembers between runs, on disk: the built-in assignments' names
(catalog.py) and the specs whose reference passed its own check (grade.validate_spec).

Only the command line turns it on (``enable()``, in ``cli.run``): a library call or a test
process keeps its in-memory caches and never reads these files. An entry's name is a SHA-256
of all it depends on: the contents it was computed from (given by the caller) and this
gradcheck's code (every .py file of the package: its path, size and modification time) and
Python's version, so a change to any of them gives another name and an entry is never stale.
The folder is the user's (``$XDG_CACHE_HOME/gradcheck``, else ``~/.cache/gradcheck``; off with
GRADCHECK_NO_CACHE=1): what can write there can also write the installed package. An entry
that cannot be read or written is not used; nothing here ever fails a command.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

_DIR: list[Path] = []  # the folder, once enabled


def enable() -> None:
    if os.environ.get("GRADCHECK_NO_CACHE"):
        return
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if os.path.isabs(base):
        _DIR[:] = [Path(base) / "gradcheck"]


def disable() -> None:
    _DIR.clear()


@functools.lru_cache(maxsize=1)
def _code() -> bytes:
    """This gradcheck's code and Python's version, as a digest (~1 ms: stat, not read)."""
    digest = hashlib.sha256(sys.version.encode())
    package = Path(__file__).resolve().parent.parent
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return digest.digest()


def _path(kind: str, parts: tuple) -> Path | None:
    if not _DIR:
        return None
    digest = hashlib.sha256(_code())
    for part in parts:
        digest.update(json.dumps(part).encode() + b"\0")
    return _DIR[0] / f"{kind}-{digest.hexdigest()[:40]}.json"


def read(kind: str, *parts: Any) -> Any | None:
    """The value remembered for ``parts`` (strings, numbers, None), or None."""
    try:
        path = _path(kind, parts)
        return None if path is None else json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):  # TypeError: a part JSON cannot write (never remembered)
        return None


def write(kind: str, value: Any, *parts: Any) -> None:
    try:
        path = _path(kind, parts)
        if path is None:
            return
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        partial.write_text(json.dumps(value), encoding="utf-8")
        os.replace(partial, path)  # whole or not at all, when two graders write at once
    except (OSError, ValueError, TypeError):
        pass
