"""The class summary of `gradcheck grade`, as text: counts, a score histogram, the most
common problems."""

from __future__ import annotations

from typing import Any

from .common import points


def summary_text(s: dict[str, Any]) -> str:
    lines = [f"{s['submissions']} submissions · {s['passed']} passed · mean score {points(s['mean_score'])} / {points(s['max_score'])}"]
    peak = max((b["count"] for b in s["histogram"]), default=0) or 1
    for b in s["histogram"]:
        lines.append(f"  {b['from']:>3}–{b['to']:<3}% {'█' * round(30 * b['count'] / peak):<30} {b['count']}")
    if s["common_findings"]:
        lines.append("most common problems (submissions):")
        lines += [f"  {n:>4}  {key}" for key, n in s["common_findings"]]
    return "\n".join(lines) + "\n"
