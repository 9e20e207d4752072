"""Shared by the fix tests and the benchmark: which corpus files name a catalog mistake, and
applying a shown fix by hand (from the JSON fields only) to a copy."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

from gradcheck.findings import Finding, Fix
from gradcheck.fixes import with_fixes
from gradcheck.grade import grade
from gradcheck.report import Report
from gradcheck.submission import Submission

from ..conftest import CORPUS, assignment_corpora, corpus_assignment, load_builtin, manifest

CATALOG_TAGS = {
    "missing-mean", "extra-mean", "sign-flip", "transpose", "missing-keepdims", "wrong-sum-axis", "matmul-vs-elementwise",
    "wrong-operand", "wrong-activation-derivative", "derivative-at-wrong-point", "missing-activation-derivative",
}  # fmt: skip


CORPORA = tuple(assignment_corpora())


def single_mistake_files(corpus: str) -> list[str]:
    """The buggy files with one mistake: not a pair, and no second error the manifest names (``also_error``)."""
    return [c["file"] for c in manifest(corpus)
            if not c["passed"] and c["file"].startswith("buggy/") and "pair" not in c["file"] and not c.get("also_error")]  # fmt: skip


def names_a_mistake(root: Finding | None) -> bool:
    return root is not None and (bool(root.mistakes) or bool(CATALOG_TAGS & set(root.tags)))


def graded_with_fixes(spec, path: Path) -> tuple[Report, Report]:
    sub = Submission.from_path(path)
    report = grade(spec, sub)
    return report, with_fixes(spec, sub, report).report


def apply_fix(path: Path, fix: Fix, into: Path) -> Path:
    """The file copied into ``into`` with ``before`` replaced by ``after`` at ``line`` (in its cell)."""
    target = into / path.name
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        cell = code[fix.cell - 1]
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = _replace(text, fix).splitlines(keepends=True)
        target.write_text(json.dumps(nb), encoding="utf-8")
    else:
        shutil.copy(path, target)
        target.write_text(_replace(path.read_text(encoding="utf-8"), fix), encoding="utf-8")
    return target


def _replace(text: str, fix: Fix) -> str:
    lines = text.split("\n")
    n = fix.before.count("\n") + 1
    assert "\n".join(lines[fix.line - 1 : fix.line - 1 + n]) == fix.before
    lines[fix.line - 1 : fix.line - 1 + n] = fix.after.split("\n")
    return "\n".join(lines)


def as_notebook(path: Path, into: Path) -> Path:
    """The .py file as a course notebook: a markdown cell, then one code cell per top-level function
    (the statements between them in cells of their own)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = sorted({n.lineno - len(getattr(n, "decorator_list", [])) for n in ast.parse(text).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))})
    bounds = [0, *[s - 1 for s in starts], len(lines)]
    chunks = ["\n".join(lines[a:b]).strip("\n") for a, b in zip(bounds, bounds[1:])]
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [f"# {path.stem}\n"]}]
    cells += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c.splitlines(keepends=True)}
              for c in chunks if c.strip()]  # fmt: skip
    target = into / f"{path.stem}.ipynb"
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "cells": cells}  # fmt: skip
    target.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return target


def measure(corpus: str, into: Path) -> tuple[int, int, list[str], list[str]]:
    """(fixed, named, the named files without a fix, the files whose shown fix, applied to a copy in
    ``into`` and graded afresh, leaves its finding failing) over the corpus' single-mistake files."""
    spec = load_builtin(corpus_assignment(corpus))
    named = fixed = 0
    missed, broken = [], []
    for file in single_mistake_files(corpus):
        path = CORPUS / corpus / file
        report, fixed_report = graded_with_fixes(spec, path)
        root = next(iter(fixed_report.errors), None)
        if not names_a_mistake(root):
            continue
        named += 1
        if root is None or root.fix is None:
            missed.append(file)
            continue
        (into / file).parent.mkdir(parents=True, exist_ok=True)
        after = grade(spec, apply_fix(path, root.fix, (into / file).parent))
        if [f for f in after.errors if f.target == root.target]:
            broken.append(file)
        else:
            fixed += 1
    return fixed, named, missed, broken
