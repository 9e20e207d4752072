"""Reading .ipynb files without nbformat: raw JSON notebooks, the corpus, and clear errors for other files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from gradcheck.api import check_file
from gradcheck.submission.notebook import extract

from ..conftest import CORPUS, manifest, root_finding


def write_json(tmp_path: Path, data, name: str = "raw.ipynb") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_raw_json_notebook_sources_as_string_and_list(tmp_path):
    data = {
        "nbformat": 4,
        "nbformat_minor": 2,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 3, "source": "import numpy as np\n%matplotlib inline"},
            {"cell_type": "raw", "metadata": {}, "source": ["raw text"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
             "source": ["def double(x):\n", "    return 2 * x\n", "\n", "print(double(3))"]},
        ],
    }  # fmt: skip
    ex = extract(write_json(tmp_path, data))
    assert [(c.number, c.index, c.kept) for c in ex.cells] == [(1, 1, True), (2, 3, True)]
    assert ex.cells[1].functions == ("double",)
    assert ex.cells[1].dropped == ((4, "output call print(...)"),)
    compile(ex.source, "built.py", "exec")
    assert "# %matplotlib inline" in ex.source.splitlines()
    lines = ex.source.split("\n")
    at = lines.index("    return 2 * x") + 1
    assert ex.origin(at) == (2, 2)
    assert ex.origin(lines.index("# (skipped) print(double(3))") + 1) == (2, 4)
    assert ex.cell_text(2) == "def double(x):\n    return 2 * x\n\nprint(double(3))"
    assert ex.path == str(tmp_path / "raw.ipynb")


def test_crlf_sources_keep_one_line_per_line(tmp_path):
    data = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "import numpy as np\r\n\r\ndef f(x):\r\n    return x\r\n"}]}  # fmt: skip
    ex = extract(write_json(tmp_path, data))
    lines = ex.source.split("\n")
    assert ex.origin(lines.index("    return x") + 1) == (1, 4)
    assert "\r" not in ex.source


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("import numpy as np\n\ndef f(x):\n    return x\n", "not valid JSON"),
        ("{not json", "not valid JSON"),
        ("[1, 2, 3]", "the JSON is a list, not an object with 'cells'"),
        ('{"metadata": {}}', "no 'cells' list"),
        ('{"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": []}]}', "notebook format 3 is not supported"),
        ('{"nbformat": 2, "cells": []}', "notebook format 2 is not supported"),
        ('{"cells": []}', "'nbformat' is missing"),
        ('{"nbformat": 4, "cells": {"a": 1}}', "'cells' is not a list"),
        ('{"nbformat": 4, "cells": [{"source": "x = 1"}]}', "cell 0 has no 'cell_type'"),
        ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 42}]}', "code cell 1 is neither a string nor a list of strings"),
    ],
)
def test_not_a_notebook(tmp_path, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="bad.ipynb") as info:
        extract(path)
    assert message in str(info.value)


def test_python_file_gets_a_hint(tmp_path):
    path = tmp_path / "student.py"
    path.write_text("import numpy as np\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"not a Jupyter notebook: the file is not valid JSON .*\(is this a Python file\? pass the \.py file instead\)"
    ):
        extract(path)


def test_binary_and_missing_files(tmp_path):
    path = tmp_path / "latin1.ipynb"
    path.write_bytes(b'{"nbformat": 4, "cells": ["\xe9"]}')
    with pytest.raises(ValueError, match="not UTF-8 text"):
        extract(path)
    with pytest.raises(ValueError, match="cannot read the notebook"):
        extract(tmp_path / "missing.ipynb")


CASES = manifest("notebooks")


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_notebooks(case):
    ex = extract(CORPUS / "notebooks" / case["file"])
    assert [c.number for c in ex.cells if c.kept] == case["kept"]
    assert not ex.syntax_errors
    with tempfile.TemporaryDirectory() as tmp:
        module = Path(tmp) / "notebook.py"
        module.write_text(ex.source, encoding="utf-8")
        report = check_file(module)  # the assignment is picked from the functions the cells define
    assert report.assignment == "planar"
    assert report.passed is case["passed"], [(f.code, f.target) for f in report.findings]
    if case["passed"]:
        assert report.score == report.max_score
        return
    root = root_finding(report)
    assert (root.code, root.target) == (case["code"], case["target"])
    assert set(case["tags"]) <= set(root.tags)
    assert ex.origin(root.location.line) == (case["cell"], case["line"])
    assert ex.cell_text(case["cell"]).split("\n")[case["line"] - 1].strip() == "dW1 = np.dot(dZ1, X.T)"
