"""loading.py: the file does not parse or import, a function is missing, a call fails; closing notes."""

from __future__ import annotations

import pytest

from gradcheck.findings import GC
from gradcheck.sandbox.runner import Failure

from .observed import Closed, by_code, judge, observe


def test_a_syntax_error_stops_everything_else():
    checks, findings = judge(observe(syntax_error=(3, 7, "invalid syntax")))
    assert [f.code for f in findings] == [GC.SYNTAX_ERROR]
    assert "(line 3, column 7)" in findings[0].message and findings[0].location.line == 3
    assert all(c.status == "fail" for c in checks if c.id != "gradient_check")


@pytest.mark.parametrize(
    ("kind", "code", "words"),
    [
        ("timeout", GC.TIMEOUT, "Importing the file did not finish"),
        ("memory", GC.MEMORY_LIMIT, "memory limit was exceeded while importing"),
        ("died", GC.PROCESS_DIED, "ended the whole Python process"),
        ("exit", GC.PROCESS_DIED, "sys.exit()"),
        ("exception", GC.IMPORT_FAILED, "ValueError: boom while importing the file."),
    ],
)
def test_an_import_failure_by_kind(kind, code, words):
    failure = Failure(kind, "ValueError", "boom", frames=[[12, "<module>", "x"]])
    _, findings = judge(observe(import_failure=failure))
    f = by_code(findings, code)
    assert words in f.message and f.location.line == 12


def test_a_missing_function_suggests_the_near_name():
    _, findings = judge(observe(missing={"backward_propagation": "backward_prop"}))
    f = by_code(findings, GC.MISSING_FUNCTION)
    assert f.hint == "rename backward_prop to backward_propagation"


def test_a_call_that_raised_fails_its_rows_with_a_hint():
    obs = observe()
    obs.calls[("compute_cost", 0)].failure = Failure("exception", "ValueError", "operands could not be broadcast together", frames=[[20, "compute_cost", "x"]])
    checks, findings = judge(obs)
    f = by_code(findings, GC.CALL_RAISED)
    assert f.target == "compute_cost" and "incompatible shapes" in f.hint and f.location.line == 20
    assert next(c for c in checks if c.id == "compute_cost:cost").summary == "raised"


def test_an_undefined_name_is_its_own_code():
    obs = observe()
    obs.calls[("compute_cost", 1)].failure = Failure("name", "NameError", "name 'sigmoid' is not defined", name="sigmoid")
    f = by_code(judge(obs)[1], GC.UNDEFINED_NAME)
    assert "'sigmoid'" in f.message and "sigmoid(z)" in f.hint


def test_the_closing_notes():
    obs = observe(closing=Closed(truncated=True), unavailable=["processes"])
    _, findings = judge(obs)
    assert [f.code for f in findings] == [GC.OUTPUT_TRUNCATED, GC.LIMIT_UNAVAILABLE]
    assert all(f.level == "info" for f in findings)


def test_an_older_api_is_named():
    obs = observe()
    for (name, _), c in obs.calls.items():
        if name == "compute_cost":
            c.convention = "the 2017 notebook's compute_cost(A2, Y, parameters)"
    f = by_code(judge(obs)[1], GC.OLDER_API)
    assert "2017 notebook" in f.message


def test_a_matrix_product_that_does_not_fit_is_also_a_shape_problem():
    """Issue 16: np.dot's "not aligned" (and matmul's core-dimension mismatch) carry the shape tag."""
    obs = observe()
    obs.calls[("forward_propagation", 0)].failure = Failure(
        "exception", "ValueError", "shapes (4,5) and (3,8) not aligned: 5 (dim 1) != 3 (dim 0)", frames=[[20, "forward_propagation", "x"]]
    )
    _, findings = judge(obs)
    f = by_code(findings, GC.CALL_RAISED)
    assert f.tags == ("runtime-error", "shape") and "transpose" in f.hint  # 2-D inputs: a transpose may be the fix


def test_other_exceptions_keep_their_tags_only():
    obs = observe()
    obs.calls[("forward_propagation", 0)].failure = Failure("exception", "ValueError", "math domain error", frames=[[20, "forward_propagation", "x"]])
    _, findings = judge(obs)
    assert by_code(findings, GC.CALL_RAISED).tags == ("runtime-error",)


def test_a_missing_function_is_defined_with_the_students_argument_names():
    """Issue 16, item 5: the student's own cache is 'cache', never '@forward_propagation.1'."""
    from dataclasses import replace

    obs = observe(missing={"backward_propagation": None})
    spec = obs.spec
    back = spec.function("backward_propagation")
    obs.spec = replace(
        spec, functions=tuple(replace(f, args=(*f.args[:1], "@forward_propagation.1", *f.args[2:])) if f is back else f for f in spec.functions)
    )
    _, findings = judge(obs)
    hint = by_code(findings, GC.MISSING_FUNCTION).hint
    assert hint == f"define backward_propagation({', '.join(['parameters', 'cache', *obs.spec.arg_names(back)[2:]])})"
    assert "@" not in hint
