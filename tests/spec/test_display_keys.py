"""The spec's display keys (issue 20, items 2 and 3): ``visibility`` per function, for the
gradient check and for the whole spec (Gradescope's values), and ``select`` / ``ignore`` of
finding codes; read, defaulted, and refused with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradcheck.catalog import resolve
from gradcheck.errors import SpecError
from gradcheck.spec.loader import load_spec

PLANAR = Path(resolve("planar"))


def planar_with(tmp_path: Path, *, backward: str = "", gradient_check: str = "", top: str = "") -> Path:
    """The planar spec with ``backward`` added to backward_propagation, ``gradient_check`` to
    its gradient_check mapping and ``top`` appended at the top level."""
    text = PLANAR.read_text(encoding="utf-8")
    assert "    points: 50\n" in text and "gradient_check:\n  points: 10\n" in text
    text = text.replace("    points: 50\n", "    points: 50\n" + backward, 1)
    text = text.replace("gradient_check:\n  points: 10\n", "gradient_check:\n  points: 10\n" + gradient_check, 1)
    out = tmp_path / "spec.yaml"
    out.write_text(text + top, encoding="utf-8")
    for other in PLANAR.parent.iterdir():  # helpers next to the spec
        if other.is_file() and other.name != "spec.yaml":
            (tmp_path / other.name).write_bytes(other.read_bytes())
    return out


def line_with(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_without_the_keys_nothing_is_set():
    spec = load_spec(PLANAR)
    assert spec.visibility is None and spec.gradient_check_visibility is None
    assert {f.visibility for f in spec.functions} == {None}
    assert spec.test_visibility() == {} and spec.select == () and spec.ignore == ()


def test_visibility_per_function_gradient_check_and_spec(tmp_path):
    path = planar_with(tmp_path, backward="    visibility: hidden\n", gradient_check="  visibility: after_published\n",
                       top="visibility: after_due_date\n")  # fmt: skip
    spec = load_spec(path)
    assert spec.function("backward_propagation").visibility == "hidden"
    assert spec.function("compute_cost").visibility is None
    assert spec.test_visibility() == {"backward_propagation": "hidden", ":gradient_check": "after_published", "": "after_due_date"}


@pytest.mark.parametrize(
    ("where", "fragment", "what"),
    [
        ({"backward": "    visibility: secret\n"}, "visibility: secret", "'functions.backward_propagation.visibility'"),
        ({"top": "visibility: Hidden\n"}, "visibility: Hidden", "'visibility'"),
        ({"gradient_check": "  visibility: true\n"}, "visibility: true", "'gradient_check.visibility'"),
    ],
)
def test_a_wrong_visibility_names_its_line(tmp_path, where, fragment, what):
    path = planar_with(tmp_path, **where)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    got = fragment.split(": ")[1]
    shown = "True" if got == "true" else repr(got)
    assert err.value.problem == f"{what} must be one of visible, hidden, after_due_date, after_published (got {shown})"
    assert err.value.line == line_with(path, fragment)
    assert err.value.one_line().startswith(f"{path}:{err.value.line}: ")


def test_select_and_ignore_are_read_as_codes(tmp_path):
    spec = load_spec(planar_with(tmp_path, top="select: [GC3, gc201]\nignore:\n  - GC010\n"))
    assert spec.select == ("GC3", "GC201") and spec.ignore == ("GC010",)


@pytest.mark.parametrize(
    ("top", "fragment", "problem"),
    [
        ("select: GC3\n", "select: GC3", "'select' must be a list of finding codes or prefixes such as [GC302, GC3] (got 'GC3')"),
        (
            "ignore:\n  - GC010\n  - GC0100\n",
            "- GC0100",
            "'ignore[1]' must be a finding code or prefix such as GC302 or GC3 (got 'GC0100'); did you mean 'GC010'?",
        ),
        ("select: [GC999]\n", "select: [GC999]", "'select[0]' must be a finding code or prefix such as GC302 or GC3 (got 'GC999')"),
        ("ignore: [3]\n", "ignore: [3]", "'ignore[0]' must be a finding code or prefix such as GC302 or GC3 (got 3)"),
    ],
)
def test_a_wrong_code_names_its_line(tmp_path, top, fragment, problem):
    path = planar_with(tmp_path, top=top)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.problem.startswith(problem)
    assert err.value.line == line_with(path, fragment)


def test_the_schema_knows_the_keys(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    import json

    import yaml

    schema = json.loads((Path(__file__).resolve().parents[2] / "gradcheck" / "spec" / "schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    good = planar_with(tmp_path, backward="    visibility: hidden\n", gradient_check="  visibility: after_due_date\n",
                       top="visibility: after_published\nselect: [GC3]\nignore: [GC010]\n")  # fmt: skip
    assert not list(validator.iter_errors(yaml.safe_load(good.read_text(encoding="utf-8"))))
    for bad in ({"backward": "    visibility: secret\n"}, {"top": "select: [GC3O2]\n"}, {"top": "ignore: GC010\n"}):
        doc = yaml.safe_load(planar_with(tmp_path, **bad).read_text(encoding="utf-8"))
        assert list(validator.iter_errors(doc)), bad


# -- references: a value's formula as the course writes it (issue 18, no spec-internal name) -----------


def test_references_are_read_and_shown_in_place_of_the_spec_formula(tmp_path):
    spec = load_spec(planar_with(tmp_path, top='references:\n  dZ1: "np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))"\n'))
    assert spec.references == {"dZ1": "np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))"}
    assert load_spec(PLANAR).references == {}
    gc = load_spec(resolve("gradient_checking"))
    assert set(gc.references) == {"difference_1d", "difference_wrong", "difference_right", "difference_planted"}


@pytest.mark.parametrize(
    ("top", "fragment", "problem"),
    [
        ("references: [dZ1]\n", "references: [dZ1]", "'references' must be a mapping"),
        ('references:\n  dZ9: "x"\n', "dZ9", "'references' names 'dZ9', which the spec does not define; did you mean"),
        ('references:\n  dZ1: "W2.T @ (dZ2"\n', "W2.T @ (dZ2", "'references.dZ1' is not a formula"),
        ("references:\n  dZ1: 3\n", "dZ1: 3", "'references.dZ1' must be a formula (got 3)"),
    ],
)
def test_a_wrong_reference_names_its_line(tmp_path, top, fragment, problem):
    path = planar_with(tmp_path, top=top)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.problem.startswith(problem)
    assert err.value.line == line_with(path, fragment)


def test_a_derived_value_is_reported_by_its_reference():
    """gradient_checking's difference: the course's formula, never grad_norm or planted_error."""
    from gradcheck.grade import grade

    from ..conftest import CORPUS

    report = grade(load_spec(resolve("gradient_checking")), CORPUS / "gradient_checking/buggy/gcn_no_copy.py")
    formulas = {f.formula for f in report.findings if f.target == "difference"}
    assert formulas == {"difference = norm(grad - gradapprox) / (norm(grad) + norm(gradapprox))"}
    assert not any("grad_norm" in (f.chain or "") or "planted" in (f.chain or "") for f in report.findings)
