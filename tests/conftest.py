from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


def manifest(name: str) -> list[dict]:
    return yaml.safe_load((CORPUS / name / "manifest.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def planar_spec():
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    return load_spec(resolve("planar"))


def root_finding(report):
    """The first error, as the report orders them (load, forward, cost, backward, gradient check)."""
    errors = [f for f in report.findings if f.level == "error"]
    return errors[0] if errors else None


def params(name: str, xfail_key: str = "xfail") -> list:
    """The manifest's cases as pytest params; ``xfail: reason`` marks a known engine gap (strict)."""
    return [
        pytest.param(c, id=c["file"], marks=pytest.mark.xfail(reason=c[xfail_key], strict=True) if xfail_key in c else ())
        for c in manifest(name)
    ]


def load_builtin(name: str):
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    return load_spec(resolve(name))


def corpus_assignment(name: str) -> str | None:
    """The built-in assignment a corpus directory is graded as: its own name, or the longest
    assignment name it extends with ``_`` (``cs231n_conv``: CS231n's layers.py with its conv
    layers, graded as ``cs231n``); None for the others (hostile, handin, notebooks)."""
    from gradcheck.catalog import builtins

    names = {e.name for e in builtins()}
    if name in names:
        return name
    prefixes = [n for n in names if name.startswith(n + "_")]
    return max(prefixes, key=len) if prefixes else None


def assignment_corpora() -> list[str]:
    """Every corpus graded as a built-in assignment (a manifest and buggy files): the ones other
    work adds join without a change in the tests and benchmarks that go through them all."""
    return sorted(d.name for d in CORPUS.iterdir() if (d / "manifest.yaml").is_file() and (d / "buggy").is_dir() and corpus_assignment(d.name))


def case_spec(spec, case: dict):
    """The spec a manifest case is graded on: ``spec: "<function> graded"`` switches that function
    to graded (``graded: true``, 30 points), as an instructor who wants its mistakes fixed sets it."""
    from dataclasses import replace

    wanted = str(case.get("spec", ""))
    if not wanted.endswith(" graded"):
        return spec
    name = wanted[: -len(" graded")]
    functions = tuple(replace(f, graded="yes", points=30.0) if f.name == name else f for f in spec.functions)
    return replace(spec, functions=functions)


def check_case(report, case) -> object:
    """Assert what a corpus manifest entry promises; returns the root finding (or None)."""
    summary = [(f.code, f.target, f.tags, f.caused_by) for f in report.findings]
    assert report.passed is case["passed"], summary
    if case["passed"]:
        assert not report.errors
        if "warning" in case:
            warnings = [f for f in report.findings if f.code == case["warning"]]
            assert warnings, summary
            assert warnings[0].target == case["target"], summary
        else:
            assert not [f for f in report.findings if f.level == "warning"], summary
        assert report.score == report.max_score
        return None
    root = root_finding(report)
    assert root is not None
    assert root.target == case["target"], summary
    assert set(case.get("tags", [])) <= set(root.tags), summary
    assert not set(case.get("forbid_tags", [])) & set(root.tags), summary
    for text in case.get("message_excludes", []):
        assert text not in root.message, root.message
    assert report.score < report.max_score
    return root
