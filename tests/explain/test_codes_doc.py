"""docs/codes.md agrees with gradcheck/findings.py: codes, names, severities, tags."""

from __future__ import annotations

import re

from gradcheck.findings import CODES, TAGS

from ..conftest import ROOT

DOC = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")


def table(heading: str) -> list[list[str]]:
    match = re.search(rf"^## {heading}\s*$(.*?)(?=^## |\Z)", DOC, flags=re.M | re.S)
    assert match, heading
    rows = []
    for line in match.group(1).splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
    return rows[1:]  # without the header


def test_code_table_matches_findings():
    rows = table("Codes")
    assert [r[0] for r in rows] == list(CODES), "one row per code, in CODES order"
    for code, name, severity, tags, summary in rows:
        assert name == CODES[code].name, code
        assert severity == CODES[code].severity, code
        assert summary, code
        listed = set(re.findall(r"`([a-z-]+)`", tags))
        assert listed <= set(TAGS), (code, listed - set(TAGS))
        assert set(CODES[code].tags) <= listed, f"{code}: its default tags belong in the table"
        if tags == "—":
            assert not CODES[code].tags


def test_retired_codes_are_marked():
    retired = {c for c, v in CODES.items() if v.retired}
    for code in retired:
        assert re.search(rf"\| {code} \|.*retired", DOC), code


def test_tag_vocabulary_matches_findings():
    rows = table("Tags")
    assert [r[0].strip("`") for r in rows] == list(TAGS), "one row per tag, in TAGS order"
    assert all(r[1] for r in rows)
