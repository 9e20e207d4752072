"""The JSON report (schema version in ``schema``; see docs/report-schema.md)."""

from __future__ import annotations

import json
import math
from typing import Any

from ..findings import Finding
from ..report import SCHEMA_VERSION, Report
from .axis_views import profiles


def _clean(value: Any) -> Any:
    """JSON has no NaN or inf: such numbers become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def finding_dict(f: Finding, assignment: str | None = None) -> dict[str, Any]:
    stats = {k: v for k, v in f.stats.items() if k not in ("error_map", "axes")}
    by_axis = profiles(f.stats["error_map"], f.stats.get("axes") or []) if f.stats.get("error_map") is not None else []
    if by_axis:  # the largest error per channel / time step / example, where the spec names those axes
        stats["error_by_axis"] = by_axis
    return {
        "code": f.code,
        "assignment": assignment,
        "severity": f.level,
        "target": f.target,
        "tags": list(f.tags),
        "message": f.message,
        "file": f.location.file if f.location else None,
        "line": f.location.line if f.location else None,
        "end_line": f.location.end_line if f.location else None,
        "cell": f.location.cell if f.location else None,
        "execution_count": f.location.execution_count if f.location else None,
        "via": _via(f.location.via) if f.location and f.location.via else None,
        "hint": f.hint,
        "formula": f.formula,
        "chain": f.chain,
        "caused_by": f.caused_by,
        "details": list(f.details),
        "stats": stats,
        "fix": _fix(f),
    }


def _via(x) -> dict[str, Any]:
    return {"file": x.file, "line": x.line, "cell": x.cell, "execution_count": x.execution_count}


def _fix(f: Finding) -> dict[str, Any] | None:
    if f.fix is None:
        return None
    x = f.fix
    return {"file": x.file, "line": x.line, "cell": x.cell, "before": x.before, "after": x.after, "verified": x.verified, "passes": list(x.passes)}


def report_dict(report: Report) -> dict[str, Any]:
    return _clean(
        {
            "schema": f"gradcheck/report/v{SCHEMA_VERSION}",
            "gradcheck_version": report.version,
            "assignment": report.assignment,
            "title": report.title,
            "file": report.file,
            "seed": report.seed,
            "passed": report.passed,
            "score": report.score,
            "max_score": report.max_score,
            "assignments": [
                {"assignment": p.assignment, "title": p.title, "passed": p.passed, "score": p.score,
                 "max_score": p.max_score, "picked": p.picked}  # fmt: skip
                for p in report.assignments()
            ],
            "checks": [
                {"id": c.id, "function": c.function, "target": c.target, "status": c.status,
                 "points": c.points, "max_points": c.max_points, "summary": c.summary,
                 "assignment": report.assignment_of(c)}  # fmt: skip
                for c in report.checks
            ],
            "findings": [finding_dict(f, report.assignment_of(f)) for f in report.findings],
            "output": report.output,
            "output_truncated": report.output_truncated,
            "picked": report.picked,
            "trials": report.trials,
            "rules": report.rules,
            "limits": report.limits,
            "seconds": round(report.seconds, 4),
            "isolation": report.isolation,
            "fixes": report.fixes,
        }
    )


def render(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
