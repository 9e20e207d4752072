"""spec/cache.py: what a fresh command line remembers between runs (the catalog's names, the
specs whose reference passed), named by everything it depends on."""

from __future__ import annotations

import pytest

from gradcheck import grade as grade_module
from gradcheck.spec import cache
from tests.conftest import load_builtin


@pytest.fixture
def on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("GRADCHECK_NO_CACHE", raising=False)
    cache.enable()
    yield tmp_path / "gradcheck"
    cache.disable()


def test_off_unless_the_command_line_turns_it_on(tmp_path, monkeypatch):
    from gradcheck import cli

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    try:
        cli.main(["--version"])  # main() in a test's process: not the program, nothing remembered
    except SystemExit:
        pass
    cache.write("kind", True, "a")
    assert cache.read("kind", "a") is None and not (tmp_path / "gradcheck").exists()
    monkeypatch.setenv("GRADCHECK_NO_CACHE", "1")
    cache.enable()
    assert cache.read("kind", "a") is None


def test_a_value_is_found_by_the_same_parts_only(on_disk):
    cache.write("kind", {"x": [1, 2]}, "text", 3)
    assert cache.read("kind", "text", 3) == {"x": [1, 2]}
    assert cache.read("kind", "text", 4) is None and cache.read("kind", "texts", 3) is None and cache.read("other", "text", 3) is None
    for entry in on_disk.iterdir():
        entry.write_text("{not json")
    assert cache.read("kind", "text", 3) is None  # damaged: not used


def test_a_passed_reference_is_not_checked_again_in_a_fresh_process(on_disk, monkeypatch):
    spec = load_builtin("logistic")
    calls = []
    real = grade_module.reference_problems

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(grade_module, "reference_problems", counting)
    monkeypatch.setattr(grade_module, "_VALIDATED", {})
    grade_module.validate_spec(spec, seed=5)
    assert calls
    calls.clear()
    monkeypatch.setattr(grade_module, "_VALIDATED", {})  # as a new process starts
    grade_module.validate_spec(spec, seed=5)
    assert not calls
    grade_module.validate_spec(spec, seed=6)
    assert calls  # another seed: checked


def test_a_failing_reference_is_never_remembered(on_disk, monkeypatch):
    from gradcheck.errors import SpecError

    spec = load_builtin("logistic")
    monkeypatch.setattr(grade_module, "_VALIDATED", {})
    monkeypatch.setattr(grade_module, "reference_problems", lambda spec, trial: [("dw", "reference 'dw' disagrees")])
    for _ in range(2):
        with pytest.raises(SpecError, match="disagrees"):
            grade_module.validate_spec(spec, seed=7)


def test_the_catalog_reads_the_same_from_the_cache(on_disk):
    from gradcheck import catalog

    cache.disable()
    parsed = catalog.builtins()
    cache.enable()
    assert catalog.builtins() == parsed  # written
    assert any(on_disk.glob("catalog-*.json"))
    assert catalog.builtins() == parsed  # read back
