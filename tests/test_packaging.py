"""What `pip install .` ships: every package of gradcheck/ and every data file it reads.

An editable install reads the source tree, so a package or data file left out of
pyproject.toml only shows in a real install (CI's): this test reads the list instead."""

from __future__ import annotations

import fnmatch
import sys

import pytest

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

SETUP = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
PACKAGE_DIRS = {name: ROOT / path for name, path in SETUP.get("package-dir", {}).items()}


def _folder(package: str):
    return PACKAGE_DIRS.get(package, ROOT.joinpath(*package.split(".")))


def test_every_package_is_listed():
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "gradcheck").rglob("*.py") if "__pycache__" not in p.parts}
    assert found - set(SETUP["packages"]) == set(), "add these to [tool.setuptools] packages"


@pytest.mark.parametrize("package", sorted(SETUP["packages"]))
def test_every_data_file_is_shipped(package):
    folder = _folder(package)
    patterns = SETUP.get("package-data", {}).get(package, [])
    listed = {_folder(other) for other in SETUP["packages"]} - {folder}
    for path in folder.rglob("*"):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        if any(path.is_relative_to(sub) and sub.is_relative_to(folder) for sub in listed):
            continue  # another package's file
        rel = path.relative_to(folder).as_posix()
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), f"{package}: {rel} is not in package-data"
