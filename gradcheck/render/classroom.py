"""Classroom results: Classroom 50 ``result.json`` and the legacy GitHub Classroom format.

**Classroom 50** (``render_classroom50``): the ``classroom50/result/v1`` object an autograder
writes to ``./result.json``. Its collector requires integer, non-negative ``score`` /
``max-score`` (test scores summing to the total, never above the maximum) and non-empty
strings for the context fields, which the Classroom 50 runner passes in the environment.
Variables read, first found wins (``CLASSROOM50_*`` are gradcheck's own overrides):

===============  ==================================================================
``classroom``    ``CLASSROOM50_CLASSROOM``, ``CLASSROOM``
``assignment``   ``CLASSROOM50_ASSIGNMENT``, ``ASSIGNMENT``, then the spec's name
``submission``   ``CLASSROOM50_SUBMISSION``, ``SUBMISSION_TAG``, ``GITHUB_REF_NAME``
``commit``       ``CLASSROOM50_COMMIT``, ``COMMIT_URL``, then
                 ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/commit/``GITHUB_SHA``
``release``      ``CLASSROOM50_RELEASE``, ``RELEASE_URL``, then
                 ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/releases/tag/<submission>
``review``       ``CLASSROOM50_REVIEW``, ``REVIEW_URL``, then the commit URL
``datetime``     ``CLASSROOM50_DATETIME`` (normalised to UTC), else the current time
===============  ==================================================================

A value that cannot be found is ``null``. A failing grade is a normal result; only an
infrastructure failure should make the autograder exit non-zero (see ``formats.exit_code``).

**Legacy GitHub Classroom** (``render_classroom``): the version-1 result that the
``autograding-*-grader`` actions emit base64-encoded as their ``result`` output and
``classroom-resources/autograding-grading-reporter`` reads from ``<STEP_ID>_RESULTS``:
``{"version": 1, "status": "pass"|"fail"|"error", "max_score": N, "tests": [...]}``.
``reporter_payload`` gives the base64 text for that variable.
"""

from __future__ import annotations

import base64
import json
import math
import os
import urllib.parse
from collections.abc import Mapping
from datetime import datetime, timezone

from ..report import Report
from .common import (
    INTERNAL_ERROR,
    check_name,
    clip,
    failure_note,
    findings_for_check,
    has_internal_error,
    number,
    source_lines,
    unattached_findings,
    verdict,
)

SCHEMA = "classroom50/result/v1"
MESSAGE_LIMIT = 8000
OUTPUT_LIMIT = 64 * 1024


# --------------------------------------------------------------------------- Classroom 50


def render_classroom50(report: Report, *, env: Mapping[str, str] = os.environ, now: datetime | None = None) -> str:
    """The Classroom 50 result.json text. Never raises."""
    try:
        return json.dumps(classroom50_result(report, env=env, now=now), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except Exception as exc:  # noqa: BLE001 - a rendering bug must never hide the grade
        return minimal_classroom50(report, f"gradcheck could not render the full result ({type(exc).__name__}: {exc})", env=env)


def classroom50_context(env: Mapping[str, str] = os.environ, *, assignment: str | None = None,
                        now: datetime | None = None) -> dict[str, str | None]:  # fmt: skip
    """The context fields of a Classroom 50 result, from the environment (``None`` when unknown)."""

    def get(*names: str) -> str | None:
        for name in names:
            value = env.get(name)
            if value and value.strip():
                return value.strip()
        return None

    server = (get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    repo = get("GITHUB_REPOSITORY")
    sha = get("GITHUB_SHA")
    submission = get("CLASSROOM50_SUBMISSION", "SUBMISSION_TAG", "GITHUB_REF_NAME")
    commit = get("CLASSROOM50_COMMIT", "COMMIT_URL") or (f"{server}/{repo}/commit/{sha}" if repo and sha else None)
    release = get("CLASSROOM50_RELEASE", "RELEASE_URL") or (
        f"{server}/{repo}/releases/tag/{urllib.parse.quote(submission, safe='')}" if repo and submission else None
    )
    return {
        "classroom": get("CLASSROOM50_CLASSROOM", "CLASSROOM"),
        "assignment": get("CLASSROOM50_ASSIGNMENT", "ASSIGNMENT") or assignment or None,
        "submission": submission,
        "commit": commit,
        "release": release,
        "review": get("CLASSROOM50_REVIEW", "REVIEW_URL") or commit,
        "datetime": _utc(get("CLASSROOM50_DATETIME"), now),
    }


def _utc(value: str | None, now: datetime | None) -> str:
    """ISO 8601 UTC with a Z: the given time when it parses, else ``now`` (default: the current time)."""
    if value:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            pass
    when = now or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_points(value: object) -> int:
    x = float(number(value))
    return max(0, int(math.floor(x + 0.5)))


def classroom50_result(report: Report, *, env: Mapping[str, str] = os.environ, now: datetime | None = None) -> dict:
    """The result.json object: integer points, test scores summing to ``score``."""
    tests = []
    for c in report.checks:
        max_points = _int_points(c.max_points)
        tests.append({
            "test-name": check_name(c),
            "passed": c.status == "pass",
            "score": min(_int_points(c.points), max_points),
            "max-score": max_points,
        })  # fmt: skip
    result: dict = {"schema": SCHEMA}
    result.update(classroom50_context(env, assignment=str(report.assignment or "") or None, now=now))
    result["score"] = sum(t["score"] for t in tests)
    result["max-score"] = sum(t["max-score"] for t in tests)
    result["tests"] = tests
    return result


def minimal_classroom50(report: Report, note: str, *, env: Mapping[str, str] = os.environ) -> str:
    """A small valid result: the context, the total as one test (the note is not part of the schema)."""
    try:
        assignment = str(report.assignment or "") or None
        max_points = _int_points(report.max_score)
        score = min(_int_points(report.score), max_points)
        passed = bool(report.passed)
    except Exception:  # noqa: BLE001
        assignment, max_points, score, passed = None, 0, 0, False
    try:
        context = classroom50_context(env, assignment=assignment)
    except Exception:  # noqa: BLE001
        context = dict.fromkeys(("classroom", "assignment", "submission", "commit", "release", "review"))
        context["datetime"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = {"schema": SCHEMA, **context, "score": score, "max-score": max_points,
              "tests": [{"test-name": "gradcheck", "passed": passed, "score": score, "max-score": max_points}]}  # fmt: skip
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- legacy GitHub Classroom


def legacy_status(report: Report) -> str:
    """ "error" when gradcheck itself failed (GC901), else "pass" or "fail"."""
    if has_internal_error(report):
        return "error"
    return "pass" if report.passed else "fail"


def classroom_result(report: Report) -> dict:
    """The version-1 GitHub Classroom autograding result object."""
    command = f"gradcheck {report.file} --assignment {report.assignment} --seed {report.seed}"
    tests = []
    for i, c in enumerate(report.checks):
        found = findings_for_check(report, c)
        located = next((f for f in found if f.location is not None), None)
        if found:
            message = "\n\n".join(_finding_text(report, f) for f in found)
        elif c.status == "fail":
            message = "check failed" + (f": {c.summary}" if c.summary else "")
        elif c.status == "skip":
            message = "not checked" + (f": {c.summary}" if c.summary else "")
        else:
            message = ""
        tests.append({
            "name": check_name(c),
            "status": "pass" if c.status == "pass" else "fail",
            "score": number(c.points),
            "message": clip(message, MESSAGE_LIMIT),
            "line_no": int(located.location.line) if located and located.location else 0,
            "execution_time": 0,
            "test_code": command,
            "filename": str(located.location.file) if located and located.location else str(report.file),
            "output": clip(report.output, OUTPUT_LIMIT) if i == 0 else "",
        })  # fmt: skip
    loose = unattached_findings(report)
    if loose:
        internal = any(f.code == INTERNAL_ERROR for f in loose)
        tests.append({"name": "gradcheck", "status": "error" if internal else "fail", "score": 0,
                      "message": clip("\n\n".join(_finding_text(report, f) for f in loose), MESSAGE_LIMIT),
                      "line_no": 0, "execution_time": 0, "test_code": command, "filename": str(report.file),
                      "output": clip(report.output, OUTPUT_LIMIT) if not report.checks else ""})  # fmt: skip
    if tests:
        tests[0]["execution_time"] = round(float(number(report.seconds)), 3)
    return {"version": 1, "status": legacy_status(report), "max_score": number(report.max_score), "tests": tests}


def render_classroom(report: Report) -> str:
    """The legacy GitHub Classroom result (JSON text). Never raises."""
    try:
        return json.dumps(classroom_result(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except Exception as exc:  # noqa: BLE001 - a rendering bug must never hide the grade
        return minimal_classroom(report, failure_note("classroom", exc))


def minimal_classroom(report: Report, note: str) -> str:
    """A small valid legacy result stating the verdict (one test)."""
    _, passed, score, max_score = verdict(report)
    status = "pass" if passed else "fail"
    return json.dumps({"version": 1, "status": status, "max_score": number(max_score),
                       "tests": [{"name": "gradcheck", "status": status, "score": number(score), "message": note,
                                  "line_no": 0, "execution_time": 0, "test_code": "", "filename": "", "output": ""}]}) + "\n"  # fmt: skip


def reporter_payload(report: Report) -> str:
    """The base64 text ``autograding-grading-reporter`` expects in ``<STEP_ID>_RESULTS``."""
    compact = json.dumps(json.loads(render_classroom(report)), ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(compact.encode("utf-8")).decode("ascii")


def _finding_text(report: Report, f) -> str:
    lines = [f"{f.code} {f.target}: {f.message}"]
    for n, text in source_lines(report, f, limit=5):
        lines.append(f"  line {n}: {text.strip()}")
    if f.formula:
        lines.append(f"  reference: {f.formula}")
    if f.hint:
        lines.append(f"  fix: {f.hint}")
    return "\n".join(lines)
