"""One submission, read once: the Python text that runs, where its lines came from, what it defines.

A ``Submission`` is built from a ``.py`` file, an ``.ipynb`` file or a Jupyter session's input
history, and handed as it is to assignment picking (``api.choose_specs``), grading
(``grade.grade``) and the notebook front end (``gradcheck.notebook``). Nothing downstream
opens the file again or asks whether it is a notebook: ``notebook`` is None for a ``.py``.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..check import parsed
from ..check.engine import read_source
from ..errors import UsageError
from ..spec import pyast
from . import script
from .notebook import CellInfo, Extracted, SyntaxIssue, extract, extract_cells, history_cells

__all__ = ["Submission", "defined_functions"]


@dataclass
class Submission:
    path: Path  # the file as given; for an input history, the notebook's name
    source: str  # the Python module the child imports (a notebook's kept cells, built into one module)
    notebook: Extracted | None = None  # cells, the line-origin map, what was skipped and why (None: a .py file)
    module_name: str = "submission"  # stem of the module file the child imports
    _defined: set[str] | None = field(default=None, repr=False)
    evidence: list[str] = field(default_factory=list)  # why a .py is loaded like a notebook (docs/loading.md)
    left_out: list[tuple[int, str]] = field(default_factory=list)  # (line, why): a .py export's top-level code not run
    package: tuple[Path, str] | None = None  # (package root, module name) of a file inside its package

    @classmethod
    def from_path(cls, path: str | Path) -> Submission:
        """Read a ``.py`` or ``.ipynb`` file; UsageError when it is missing or unreadable."""
        path = Path(path)
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        if _leads_out(path):  # a grader (root, or with more rights than the child) must not read it for the student
            raise UsageError(f"{path}: cannot read the submission (it is a link to a file outside its folder)")
        if path.suffix.lower() == ".ipynb":
            try:
                nb = extract(path)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            return cls(path, nb.source, nb, path.stem)
        try:
            source = read_source(path)
        except (OSError, ValueError) as exc:
            raise UsageError(f"{path}: cannot read the submission ({exc})") from None
        return cls.from_script(path, source)

    @classmethod
    def from_script(cls, path: Path, source: str) -> Submission:
        """A .py file: an export or course file is loaded like its notebook; a package's module in its package."""
        package = script.package_of(path)
        found = script.evidence(source)
        left_out: list[tuple[int, str]] = []
        if found and package is None:
            source, left_out = script.build(source)
        return cls(path, source, None, path.stem, evidence=found, left_out=left_out, package=package)

    @property
    def loading(self) -> dict:
        """How the child imports the module (request fields, docs/loading.md)."""
        out: dict = {"stand_ins": True} if self.evidence else {}
        if self.package is not None:
            out.update(package_root=str(self.package[0]), module_name=self.package[1])
        return out

    @classmethod
    def from_history(cls, history: Any, name: str) -> Submission:
        """IPython's input history (``In``) of the notebook called ``name``; RuntimeError when it is not a list."""
        cells = history_cells(history)
        nb = extract_cells(cells, label=f"{name} (input history)", counts={n: n for n, _, _ in cells})  # cell n is In [n]
        nb.path = name
        return cls(Path(name), nb.source, nb, _module_stem(name))

    @property
    def defined(self) -> set[str]:
        """Every function the source defines (nested ones too): what picks the assignment."""
        if self._defined is None:
            self._defined = defined_functions(self.source)
        return self._defined

    @property
    def skipped(self) -> list[CellInfo]:
        """Notebook cells left out of the module, each with its reason (none for a .py)."""
        return [c for c in self.notebook.cells if not c.kept] if self.notebook is not None else []

    @property
    def syntax_errors(self) -> list[SyntaxIssue]:
        """Notebook cells that do not parse (a .py file's syntax error is found when it is run)."""
        return list(self.notebook.syntax_errors) if self.notebook is not None else []

    @contextmanager
    def module_file(self) -> Iterator[Path]:
        """The file the child imports: a .py as it is, a notebook's module in a temporary directory."""
        if self.notebook is None and not self.left_out:
            yield self.path
            return
        with tempfile.TemporaryDirectory(prefix="gradcheck-nb-") as tmp:
            built = Path(tmp) / f"{self.module_name}.py"
            built.write_text(self.source, encoding="utf-8")
            yield built


def defined_functions(source: str) -> set[str]:
    try:
        tree = parsed.tree(source) or pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(re.findall(r"^\s*def\s+([A-Za-z_]\w*)", source, flags=re.M))
    return {n.name for n in parsed.nodes(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _module_stem(name: str) -> str:
    stem = re.sub(r"\W+", "_", Path(name).stem).strip("_")
    return stem or "notebook"


def _leads_out(path: Path) -> bool:
    """Whether ``path`` is a link (or goes through one) to a file outside the folder it is in:
    the child is shown that folder only, so the grader reads no more (a link in a class's zip
    to /etc/shadow would otherwise be quoted in the report)."""
    real, folder = os.path.realpath(path), os.path.realpath(path.parent)
    return not real.startswith(folder.rstrip(os.sep) + os.sep)
