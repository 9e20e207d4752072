"""gradcheck/spec/schema.json describes what the loader accepts; the shipped specs follow it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from gradcheck.spec import loader
from gradcheck.spec.model import DEFAULT_TOLERANCE, INITS, Limits

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "gradcheck" / "spec" / "schema.json"
SPECS = sorted((ROOT / "assignments").glob("*/spec.yaml"))


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_draft_2020_12(schema, validator):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_there_are_specs_to_check():
    assert SPECS, "no assignments/*/spec.yaml found"


@pytest.mark.parametrize("path", SPECS, ids=[p.parent.name for p in SPECS])
def test_shipped_spec_follows_the_schema(path, validator):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


@pytest.mark.parametrize("path", SPECS, ids=[p.parent.name for p in SPECS])
def test_shipped_spec_points_editors_at_the_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
    assert target == SCHEMA_PATH


def test_top_level_keys_are_the_loaders(schema):
    # "depth" is read (and removed) by the family expansion before the loader sees the spec.
    assert set(schema["properties"]) == set(loader.TOP_KEYS) | {"depth"}
    assert set(schema["required"]) == {k for k, required in loader.TOP_KEYS.items() if required}
    assert schema["additionalProperties"] is False


def _subschemas(node, path="#"):
    """Every schema object in the document, with a JSON-pointer-like path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    yield from _subschemas(sub, f"{path}/{key}/{name}")
            elif key in ("items", "additionalProperties", "propertyNames") and isinstance(value, dict):
                yield from _subschemas(value, f"{path}/{key}")
            elif key in ("oneOf", "anyOf", "allOf"):
                for i, sub in enumerate(value):
                    yield from _subschemas(sub, f"{path}/{key}/{i}")


def test_every_property_has_a_description(schema):
    missing = []
    for path, node in _subschemas(schema):
        for name, sub in node.get("properties", {}).items():
            if "description" not in sub:
                missing.append(f"{path}/properties/{name}")
    assert not missing, missing


def test_objects_reject_unknown_keys(schema):
    """Wherever the loader names its keys, so does the schema (additionalProperties: false)."""
    open_objects = [p for p, n in _subschemas(schema) if "properties" in n and n.get("additionalProperties") is not False]
    assert not open_objects, open_objects


def test_defaults_are_the_models(schema):
    props = schema["properties"]
    limits = props["limits"]["properties"]
    for key, value in vars(Limits()).items():
        assert limits[key]["default"] == value, key
    for key in ("rtol", "fd_rtol"):
        assert props["tolerance"]["properties"][key]["default"] == getattr(DEFAULT_TOLERANCE, key)
    init = props["values"]["additionalProperties"]["properties"]["init"]
    assert set(init["enum"]) == set(INITS)
    assert props["trials"]["default"] == 3 and props["trials"]["maximum"] == loader.MAX_TRIALS
    assert schema["$defs"]["size"]["maximum"] == loader.MAX_DIM
    # The schema also admits family names (W{l}), which the loader sees written out.
    family = re.compile(schema["$defs"]["name"]["pattern"])
    for good in ("W1", "dZ2", "n_h", "W{l}", "dA{l-1}", "n{L}"):
        assert family.match(good), good
        assert loader.NAME_RE.match(good) or "{" in good
    for bad in ("1W", "_x", "a-b", "W{}"):
        assert not family.match(bad) and not loader.NAME_RE.match(bad), bad


def test_schema_rejects_what_the_loader_rejects(validator):
    planar = yaml.safe_load(SPECS[0].read_text(encoding="utf-8")) if SPECS else None
    if planar is None:
        pytest.skip("no spec")
    bad = [
        {**planar, "fowrard": planar["forward"]},
        {**planar, "trials": "three"},
        {**planar, "dims": {**planar["dims"], "m": {"min": 4}}},
        {**planar, "values": {**planar["values"], "X": {"shape": "n_x"}}},
        {**planar, "functions": {"f": {"args": []}}},
        {**planar, "functions": {"f": {"args": [], "returns": "J", "retuns": "J"}}},
        {**planar, "backward": {"dZ2": {"formula": "A2 - Y", "per_example": "yes"}}},
        {**planar, "tolerance": {"rtol": {"float64": 2.0}}},
        {**planar, "limits": {"timeout": 0}},
        {**planar, "helpers": {"modules": ["planar_utils"]}},
        {**planar, "spec_version": 2},
        {**planar, "parameters": ["W1", "W1"]},
        {k: v for k, v in planar.items() if k != "name"},
    ]
    for doc in bad:
        assert not validator.is_valid(doc), doc


def test_formula_help_names_every_function(schema):
    from gradcheck.spec.formula import FUNCTIONS

    text = schema["$defs"]["formula"]["description"]
    assert not [f for f in FUNCTIONS if f not in text]
