"""The conv (C4W1) and rnn (C5W1) assignments as course-layout notebooks, checked end to end:
`gradcheck NOTEBOOK.ipynb` picks the assignment, gives the verdict and points at ``In [N], line L``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from gradcheck.api import check_file

from ..conftest import CORPUS, ROOT, root_finding

NOTEBOOKS = CORPUS / "notebooks"
CASES = yaml.safe_load((NOTEBOOKS / "dls_manifest.yaml").read_text(encoding="utf-8"))


def _code_cells(path) -> dict[int, str]:
    """Saved execution count -> the cell's source."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {c["execution_count"]: "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_the_notebook_holds_the_corpus_functions(case):
    """Each graded function's cell is the corpus file's function as it is (after the course's header lines)."""
    cells = "\n".join(_code_cells(NOTEBOOKS / case["file"]).values())
    source = (CORPUS / case["from"]).read_text(encoding="utf-8")
    start = source.index("\ndef ")
    for block in source[start:].split("\n\n\n"):
        assert block.strip() in cells, block[:60]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_notebook_verdict(case):
    report = check_file(NOTEBOOKS / case["file"])
    assert report.assignment == case["assignment"]
    assert report.passed is case["passed"], [(f.code, f.target, f.tags) for f in report.findings if f.level == "error"]
    if case["passed"]:
        assert report.score == report.max_score
        return
    root = root_finding(report)
    assert (root.code, root.target) == (case["code"], case["target"])
    assert set(case["tags"]) <= set(root.tags)
    where = root.location
    assert (where.execution_count, where.line) == (case["in"], case["line"])
    assert _code_cells(NOTEBOOKS / case["file"])[case["in"]].split("\n")[case["line"] - 1].strip() == case["text"]


@pytest.mark.parametrize("case", [c for c in CASES if not c["passed"]], ids=lambda c: c["file"])
def test_the_command_line_says_in_n(case):
    """What the student runs: the exit code, the finding and the cell as Jupyter shows it."""
    run = subprocess.run([sys.executable, "-m", "gradcheck", str(NOTEBOOKS / case["file"])], capture_output=True, text=True,
                         cwd=ROOT, timeout=300, env={"NO_COLOR": "1", "COLUMNS": "100", "PATH": ""})  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert f"{case['code']} " in run.stdout and case["target"] in run.stdout
    assert f"{case['file']} · In [{case['in']}], line {case['line']}" in run.stdout
