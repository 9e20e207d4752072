"""The spec's ``fixes: off | hint | diff`` (issue 19): read, defaulted, and refused with file:line."""

from __future__ import annotations

import pytest

from gradcheck.errors import SpecError
from gradcheck.spec.loader import parse_spec

from .test_loader import tiny


@pytest.mark.parametrize(("written", "read"), [("off", "off"), ('"off"', "off"), ("hint", "hint"), ("diff", "diff")])
def test_the_fixes_key_is_read(written, read):
    assert parse_spec(tiny(f"fixes: {written}\n"), "s.yaml").fixes == read


def test_without_the_key_the_format_decides():
    assert parse_spec(tiny(), "s.yaml").fixes is None


@pytest.mark.parametrize("written", ["on", "yes", "show", "3", "[diff]"])
def test_any_other_value_is_refused_at_its_line(written):
    text = tiny(f"fixes: {written}\n")
    with pytest.raises(SpecError) as err:
        parse_spec(text, "s.yaml")
    assert err.value.line == text.count("\n")
    assert "'fixes' must be one of off, hint, diff" in err.value.problem
