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
