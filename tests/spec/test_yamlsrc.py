"""spec/yamlsrc.py: libyaml's parser (when PyYAML has it) and the pure-Python one give the same
values, the same lines and the same errors, on every YAML file of the repository and on damaged
copies of the built-in specs."""

from __future__ import annotations

import random

import pytest

from gradcheck.errors import SpecError
from gradcheck.spec import yamlsrc
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(yamlsrc._CLoader is None, reason="PyYAML without libyaml: one parser only")

FILES = sorted(p for p in ROOT.glob("**/*.yaml") if ".git" not in p.parts)
SPECS = sorted(ROOT.glob("assignments/*/spec.yaml"))
# What damage is made of: YAML's own punctuation, line breaks of every kind, tags, anchors, escapes.
PIECES = [*":-[]{}#&*|>'\"%@`, \n\\", "\r", "\x85", "\u2028", "\x07", "é", "~", "1e-3", "0x1F", ".inf", "- ", ": ", "--- ", "...",
          "&a ", "*a", "<<: *a", "|-", ">+", "!!str ", "!!binary ", "%TAG ! x\n", '"\\x4', '"\\N', "\n  ", "\n- ", "{a: ", "[",
          "\t", "? ", "! ", "\ufeff"]  # fmt: skip


def _read(text: str, fast: bool, monkeypatch) -> tuple:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(yamlsrc, "_CLoader", None)
        try:
            value = yamlsrc.load(text, "spec.yaml")
        except SpecError as exc:
            return "error", str(exc), exc.line
    return "value", value, _lines(value)


def _lines(value) -> object:
    if isinstance(value, dict):
        return value.line, dict(value.lines), {k: _lines(v) for k, v in value.items()}
    if isinstance(value, list):
        return value.line, list(value.lines), [_lines(v) for v in value]
    return None


def _damaged(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(text) + 1)
        kind = rng.random()
        if kind < 0.5:
            text = text[:i] + rng.choice(PIECES) + text[i:]
        elif kind < 0.8:
            text = text[:i] + text[i + rng.randint(1, 5) :]
        else:
            j = rng.randrange(len(text) + 1)
            text = text[:i] + text[j : j + 10] + text[i:]
    return text


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_parsers_read_every_yaml_file_alike(path, monkeypatch):
    text = path.read_text(encoding="utf-8", errors="replace")
    assert _read(text, True, monkeypatch) == _read(text, False, monkeypatch)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.parent.name)
def test_both_parsers_read_damaged_specs_alike(path, monkeypatch):
    rng = random.Random(path.parent.name)
    text = path.read_text(encoding="utf-8")
    for _ in range(15):
        damaged = _damaged(text, rng)
        assert _read(damaged, True, monkeypatch) == _read(damaged, False, monkeypatch), damaged


def test_the_texts_libyaml_reads_otherwise_go_to_pyyaml(monkeypatch):
    """Each was found reading differently (tab, "?" in a flow collection, a bare "!" tag, a BOM inside)."""
    for text in ["a:\t1\n", "a: [b, c?d]\n", "!\n", "a: 1\n\ufeff\nb: 2\n"]:
        assert yamlsrc._compose_fast(text) is None
        assert _read(text, True, monkeypatch) == _read(text, False, monkeypatch)
