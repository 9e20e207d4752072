"""check_notebook() and %gradcheck with a fake input history (no IPython needed)."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

import gradcheck.notebook as nbmod
import gradcheck.submission.notebook as reader
from gradcheck.notebook import check_notebook, load_ipython_extension

from ..conftest import CORPUS, root_finding
from .planar_cells import functions


def history() -> tuple[list[str], int, int]:
    """In as IPython keeps it (In[0] empty, magics already turned into calls), the backward cell's n and dW1's line."""
    fns = functions(CORPUS / "planar" / "buggy" / "dw1_missing_mean.py")
    backward = "# GRADED FUNCTION: backward_propagation\n" + fns["backward_propagation"]
    entries = [
        "",
        "import numpy as np\nimport matplotlib.pyplot as plt\nfrom planar_utils import sigmoid, load_planar_dataset\n"
        "get_ipython().run_line_magic('matplotlib', 'inline')",
        "X, Y = load_planar_dataset()",
        fns["forward_propagation"],
        # a first, since-replaced version: the later definition wins, as in the kernel
        "def backward_propagation(parameters, cache, X, Y):\n    return None",
        fns["compute_cost"],
        backward,
        "backward_propagation_test(backward_propagation)",
        "parameters = nn_model(X, Y, n_h=4)\nplt.plot([1, 2])",
        "get_ipython().run_cell_magic('time', '', 'def slow(x):\\n    return x\\n')",
        "import gradcheck\ngradcheck.check_notebook()",
    ]
    n = entries.index(backward)
    return entries, n, backward.split("\n").index("    dW1 = np.dot(dZ1, X.T)") + 1


@pytest.fixture
def captured(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(nbmod, "_console", lambda: Console(file=buf, width=120, force_jupyter=False, color_system=None))
    return buf


def test_check_notebook_with_fake_history(captured):
    entries, n, line = history()
    report = check_notebook(globals_={"In": entries, "__session__": "/home/student/Planar data classification.ipynb"})
    root = root_finding(report)
    assert (root.code, root.target) == ("GC302", "dW1")
    assert (root.location.file, root.location.cell, root.location.line) == ("Planar data classification.ipynb", n, line)
    assert report.file == "Planar data classification.ipynb"
    out = captured.getvalue()
    assert "GC302" in out and "dW1 = np.dot(dZ1, X.T)" in out
    assert "In the notebook" in out
    row = next(r for r in out.splitlines() if r.startswith("GC302"))
    assert f"In [{n}]" in row and f" {line} " in row  # the input history: cell n is In [n]


def test_history_as_ipython_keeps_it():
    entries, n, line = history()
    ex = reader.extract_cells(reader.history_cells(entries))
    assert [c.number for c in ex.cells if c.kept] == [1, 3, 4, 5, 6]
    info = {c.number: c for c in ex.cells}
    assert info[1].dropped == ((2, "imports matplotlib.pyplot (a plotting module)"), (4, "runs code: get_ipython(…).run_line_magic(...)"))
    assert info[9].reason.startswith("runs code only: cell magic %%time (the input history keeps its code as a string")
    assert info[10].dropped == ((1, "imports gradcheck (not needed for grading)"), (2, "test call gradcheck.check_notebook(...)"))
    assert ex.origin(ex.source.split("\n").index("    dW1 = np.dot(dZ1, X.T)") + 1) == (n, line)


def test_check_notebook_assignment_and_default_name(captured):
    entries, _, _ = history()
    report = check_notebook("planar", globals_={"In": entries})
    assert report.assignment == "planar" and report.picked is None
    assert root_finding(report).location.file == "notebook.ipynb"


def test_check_notebook_reports_cells_that_do_not_parse(captured):
    """A graded function in a cell that does not parse is GC001 naming the cell, as for a saved notebook."""
    entries, _, _ = history()
    entries = entries + ["def backward_propagation(parameters, cache, X, Y)\n    return {}"]
    report = check_notebook("planar", globals_={"In": entries})
    assert f"In [{len(entries) - 1}] was not graded: syntax error at line 1" in captured.getvalue()
    first = report.findings[0]
    assert (first.code, first.target, first.location.cell, first.location.line) == ("GC001", "submission", len(entries) - 1, 1)
    assert first.message.startswith(f"Python cannot read In [{len(entries) - 1}]: ")
    assert first.location.execution_count == len(entries) - 1
    assert report.passed is False


def test_history_and_saved_notebook_are_graded_alike(tmp_path, captured):
    """One notebook path: the same cells give the same findings from a file and from the input history."""
    import json

    from gradcheck.api import check_file

    source = CORPUS / "notebooks" / "planar_dw1_missing_mean.ipynb"
    cells = [c for c in json.loads(source.read_text())["cells"] if c["cell_type"] == "code"]
    entries = [""] + ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    from_history = check_notebook(globals_={"In": entries, "__session__": str(source)})
    from_file = check_file(source)
    def key(report):  # GC011 names cells as each source labels them: In [n] in a history, "cell n" without saved counts
        return [(f.code, f.target, f.tags, f.message if f.code != "GC011" else len(f.details), f.location.cell if f.location else None,
                 f.location.line if f.location else None) for f in report.findings]  # fmt: skip

    assert key(from_history) == key(from_file)
    assert from_history.cells == from_file.cells and from_history.score == from_file.score
    shown = captured.getvalue()
    assert "gradcheck-nb-" not in shown and "planar_dw1_missing_mean.ipynb · In [10], line 13" in shown


def test_without_ipython_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)  # `from IPython import …` raises ImportError
    with pytest.raises(RuntimeError, match=r"must be called from a notebook cell.*gradcheck Notebook\.ipynb"):
        check_notebook()


def test_namespace_without_history():
    with pytest.raises(RuntimeError, match="no input history"):
        check_notebook(globals_={})
    with pytest.raises(RuntimeError, match="not a list of strings"):
        check_notebook(globals_={"In": "x = 1"})


def test_line_magic(monkeypatch):
    calls = []
    monkeypatch.setattr(nbmod, "check_notebook", lambda assignment=None, *, globals_=None: calls.append((assignment, globals_)))

    class FakeIPython:
        user_ns = {"In": ["", "x = 1"]}
        magics: dict = {}

        def register_magic_function(self, func, magic_kind="line", magic_name=None):
            self.magics[(magic_kind, magic_name)] = func

    ip = FakeIPython()
    load_ipython_extension(ip)
    magic = ip.magics[("line", "gradcheck")]
    assert magic("  planar ") is None
    assert magic("") is None
    assert calls == [("planar", ip.user_ns), (None, ip.user_ns)]
