"""``graded: warn`` (issue 16, item 3): read, checked with file:line errors, and in the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradcheck.catalog import resolve
from gradcheck.errors import SpecError
from gradcheck.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]


def _planar(tmp_path: Path, extra: str) -> Path:
    """The planar spec with ``extra`` added to compute_cost (the line after its ``returns``)."""
    spec = Path(resolve("planar"))
    text = spec.read_text(encoding="utf-8").replace("    returns: J\n    points: 10\n", "    returns: J\n" + extra, 1)
    out = tmp_path / "spec.yaml"
    out.write_text(text, encoding="utf-8")
    for other in spec.parent.iterdir():  # helpers and explain pages next to it
        if other.name != "spec.yaml" and other.is_file():
            (tmp_path / other.name).write_text(other.read_text(encoding="utf-8"), encoding="utf-8")
    return out


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_graded_warn_is_read_and_true_is_the_default(tmp_path):
    spec = load_spec(_planar(tmp_path, "    graded: warn\n"))
    assert {f.name: f.graded for f in spec.functions}["compute_cost"] == "warn"
    assert {f.graded for f in spec.functions if f.name != "compute_cost"} == {"yes"}


@pytest.mark.parametrize(
    ("extra", "fragment", "at"),
    [
        ("    graded: sometimes\n", "'functions.compute_cost.graded' must be true or \"warn\" (got 'sometimes')", "graded:"),
        (
            "    graded: warn\n    points: 10\n",
            "'functions.compute_cost.points' must be 0 or absent when 'graded' is \"warn\"",
            "graded: warn",
        ),
    ],
)
def test_a_wrong_graded_value_names_its_line(tmp_path, extra, fragment, at):
    path = _planar(tmp_path, extra)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert fragment in str(err.value)
    line = _line(path, at) + (1 if "points" in fragment else 0)  # points: the line after graded: warn
    assert err.value.line == line


def test_the_schema_knows_the_key():
    schema = json.loads((ROOT / "gradcheck" / "spec" / "schema.json").read_text(encoding="utf-8"))
    assert '"graded"' in json.dumps(schema) and "warn" in json.dumps(schema)


def test_stand_ins_name_values_the_spec_knows(tmp_path):
    spec = load_spec(_planar(tmp_path, "    points: 10\n    stand_ins: {sigmoid: A2}\n"))
    assert {f.name: f.stand_ins for f in spec.functions}["compute_cost"] == (("sigmoid", "A2"),)
    bad = _planar(tmp_path, "    points: 10\n    stand_ins: {sigmoid: A9}\n")
    with pytest.raises(SpecError) as err:
        load_spec(bad)
    assert "A9" in str(err.value) and err.value.line == _line(bad, "stand_ins:")
