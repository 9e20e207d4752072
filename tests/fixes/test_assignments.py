"""Every built-in assignment: a .py submission and the same code as a notebook get a verified fix,
and applying it makes the finding pass. An assignment whose named mistakes have no inverse edit
shows its words as a hint, never as code, and the test says which mistakes and why (skipped).

Generic over tests/corpus/<assignment>/: a corpus another branch adds joins by itself."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gradcheck.grade import grade
from gradcheck.render.common import hint_label

from ..conftest import CORPUS, corpus_assignment, load_builtin
from .corpus import CORPORA, apply_fix, as_notebook, graded_with_fixes, names_a_mistake, single_mistake_files

GIVE_UP = 6  # named mistakes without a fix tried before the assignment is called unfixable


def first_fixed(spec, corpus: str):
    """(file, its report with fixes) of the first single-mistake file whose named mistake got a
    verified fix, else (None, the named ones that did not)."""
    missed = []
    for file in single_mistake_files(corpus):
        _, report = graded_with_fixes(spec, CORPUS / corpus / file)
        root = next(iter(report.errors), None)
        if not names_a_mistake(root):
            continue
        if root.fix is not None:
            return file, report
        missed.append((file, root, report))
        if len(missed) >= GIVE_UP:
            break
    return None, missed


@pytest.mark.parametrize("corpus", CORPORA)
def test_a_py_and_a_notebook_submission_get_a_verified_fix(corpus, tmp_path):
    spec = load_builtin(corpus_assignment(corpus))
    file, found = first_fixed(spec, corpus)
    if file is None:
        assert found, f"{corpus}: no single-mistake file names a catalog mistake"
        for name, root, report in found:  # words, labelled as a hint; no code shown
            assert root.fix is None and hint_label(root, replace(report, fixes="diff")) == "hint", name
        why = "; ".join(f"{name}: {', '.join(m.kind + (':' + m.args[0] if m.args else '') for c in r.mistakes for m in c) or ', '.join(r.tags)}"
                        for name, r, _ in found)  # fmt: skip
        pytest.skip(f"{corpus}: no inverse edit for its named mistakes, which keep their words as hints ({why})")
    path = CORPUS / corpus / file
    root = found.errors[0]
    (tmp_path / "py").mkdir()
    after = grade(spec, apply_fix(path, root.fix, tmp_path / "py"))
    assert not [f for f in after.errors if f.target == root.target], (file, root.fix)

    notebook = as_notebook(path, tmp_path)
    _, nb_report = graded_with_fixes(spec, notebook)
    nb_root = nb_report.errors[0]
    assert nb_root.target == root.target and nb_root.fix is not None, file
    assert nb_root.fix.cell == nb_root.location.cell and nb_root.fix.after == root.fix.after
    (tmp_path / "nb").mkdir()
    after = grade(spec, apply_fix(notebook, nb_root.fix, tmp_path / "nb"))
    assert not [f for f in after.errors if f.target == root.target], (file, nb_root.fix)
