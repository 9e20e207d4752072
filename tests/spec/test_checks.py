"""A function's ``checks:`` (spec/checks.py): read into ExtraCheck records, and every
malformed entry reported with its file and line."""

from __future__ import annotations

import pytest

from gradcheck.errors import SpecError
from gradcheck.spec.loader import load_spec, parse_spec

from .test_loader import ROOT, tiny

CHECKS = """\
    checks:
      - label: other sizes
        dims: {n: 30}
        args: [w, X]
        bind: Js
        dropout: {output: Js, input: "Z", keep: "0.5", axes: [1]}
      - label: read back
        tags: [running-average]
        args: [w, X]
        returns: J
        after: [w, _]
"""


def _spec(checks: str):
    return parse_spec(tiny(checks), "tiny.yaml")


def test_checks_are_read():
    f = _spec(CHECKS).functions[0]
    stat, back = f.checks
    assert stat.label == "other sizes" and stat.dims == {"n": 30} and stat.bind == "Js"
    assert stat.dropout is not None and stat.dropout.output == "Js" and stat.dropout.axes == (1,)
    assert back.after == ["w", "_"] and back.returns == "J" and back.tags == ("running-average",)
    assert back.line is not None and back.line > stat.line


@pytest.mark.parametrize(
    "checks, message",
    [
        ("    checks: {label: x}\n", "must be a list"),
        ("    checks:\n      - label: a\n        args: [w, X]\n", "checks nothing"),
        ("    checks:\n      - label: a\n        args: [w, X]\n        retuns: J\n", "did you mean 'returns'"),
        ("    checks:\n      - label: a\n        args: [w, X]\n        returns: J2\n", "undefined name 'J2'"),
        ("    checks:\n      - label: a\n        args: [w, X]\n        after: [w]\n", "one template per argument (2)"),
        ("    checks:\n      - label: a\n        args: [w, X]\n        returns: J\n        dims: {q: 3}\n", "not a dim"),
        ("    checks:\n      - label: a\n        args: [w, X]\n        returns: J\n        tags: [nope]\n", "findings.TAGS"),
        ("    checks:\n      - label: a\n        args: [w, X]\n        bind: Z\n        returns: J\n", "already defines"),
        (
            "    checks:\n      - label: a\n        args: [w, X]\n        bind: o\n        dropout: {output: p, input: Z, keep: '0.5'}\n",
            "bound by 'bind'",
        ),
        (
            "    checks:\n      - label: a\n        args: [w, X]\n        bind: o\n        dropout: {output: o, input: Zz, keep: '0.5'}\n",
            "undefined name 'Zz'",
        ),
        (
            "    checks:\n      - label: a\n        args: [w, X]\n        bind: o\n        dropout: {output: o, input: Z, keep: o}\n",
            "undefined name 'o'",
        ),
        ("    checks:\n      - label: 'a:b'\n        args: [w, X]\n        returns: J\n", "without ':'"),
        ("    checks:\n      - {label: a, args: [w, X], returns: J}\n      - {label: a, args: [w, X], returns: J}\n", "twice"),
    ],
)
def test_malformed_checks_name_file_and_line(checks, message):
    with pytest.raises(SpecError) as err:
        _spec(checks)
    assert message in str(err.value)
    first = tiny().count("\n") + 1  # the line of 'checks:'
    assert err.value.line is not None and first <= err.value.line <= first + checks.count("\n"), err.value


def test_shipped_specs_carry_their_checks():
    cs = load_spec(ROOT / "assignments" / "cs231n" / "spec.yaml")
    by = {f.name: f for f in cs.functions}
    assert [c.label for c in by["batchnorm_forward"].checks] == ["running averages", "test mode"]
    assert by["dropout_forward"].checks[0].dropout is not None
    assert by["batchnorm_backward_alt"].optional
    reg = load_spec(ROOT / "assignments" / "regularization" / "spec.yaml")
    assert [c.dropout.output for c in next(f for f in reg.functions if f.name == "forward_propagation_with_dropout").checks] == [
        "A1s",
        "A2s",
    ]
