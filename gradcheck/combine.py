"""One report for a file graded on several assignments (a CS231n layers.py that also holds
rnn_layers.py's functions): each assignment is graded on its own, in its own child process,
and the reports are put together here; the points add up (docs/reports.md, "Several
assignments in one report")."""

from __future__ import annotations

from dataclasses import replace

from .diagnose import scoring
from .findings import Finding
from .report import CheckResult, Part, Report
from .spec.model import Spec

JOIN = "+"  # between the assignments' names in the report's `assignment`


def apart(specs: list[Spec]) -> list[Spec]:
    """Each spec told which functions the others grade: in a file graded on several, a function
    of another assignment is never taken for a misspelled (missing) one of this one
    (``rnn_backward`` is no rename of ``layernorm_backward``)."""
    if len(specs) < 2:
        return specs
    names = [frozenset(n for f in s.functions for n in (f.call, *f.aliases)) for s in specs]
    return [replace(s, graded_elsewhere=frozenset().union(*(n for j, n in enumerate(names) if j != i))) for i, s in enumerate(specs)]


def merge(reports: list[Report], picked: str | None = None) -> Report:
    """The reports of one file, one per assignment, as one report: every check tagged with its
    assignment, the findings of each (the ones about the whole file once), the points summed
    and the verdict decided by the one rule (``scoring.verdict``) over all of it. ``picked``:
    how the assignments were chosen (None when pinned); each one's version is said after it."""
    if len(reports) == 1:
        return reports[0]
    first = reports[0]
    checks = _checks(reports)
    findings: list[Finding] = []
    for r in reports:
        findings += [f for f in r.findings if f not in findings]  # a file-level finding comes from each part alike
    score, max_score = sum(r.score for r in reports), sum(r.max_score for r in reports)
    passed, score = scoring.verdict(checks, findings, score, max_score)
    parts = [Part(r.assignment, r.title, r.passed, r.score, r.max_score, r.picked,
                  tuple(dict.fromkeys(c.function for c in r.checks if c.function)), r.explain_dir) for r in reports]  # fmt: skip
    return replace(
        first,
        assignment=JOIN.join(r.assignment for r in reports),
        title=" + ".join(r.title for r in reports),
        passed=passed, score=score, max_score=max_score, checks=checks, findings=findings,
        output=_output(reports), output_truncated=any(r.output_truncated for r in reports),
        picked=" ".join(([picked] if picked else []) + [f"{p.assignment}: {p.picked}" for p in parts if p.picked]) or None,
        trials=[f"{r.assignment}: {t}" for r in reports for t in r.trials],
        rules=list(dict.fromkeys(rule for r in reports for rule in r.rules)),
        seconds=sum(r.seconds for r in reports), startup_seconds=sum(r.startup_seconds for r in reports),
        isolation=_weakest(r.isolation for r in reports),
        visibility={k: v for r in reports for k, v in r.visibility.items()},
        fixes=_fixes(r.fixes for r in reports),
        parts=parts,
    )  # fmt: skip


def _checks(reports: list[Report]) -> list[CheckResult]:
    """Every part's checks; the rows of no function (``load``) once, the failing one if any."""
    shared: dict[str, CheckResult] = {}
    rows: list[CheckResult] = []
    for r in reports:
        for c in r.checks:
            if not c.function and c.max_points == 0:
                if c.id not in shared or (c.status == "fail" and shared[c.id].status != "fail"):
                    shared[c.id] = c
                continue
            rows.append(replace(c, assignment=r.assignment))
    taken = {c.id for c in shared.values()}
    out = []
    for c in rows:  # a function two pinned assignments both grade: its id says which
        out.append(replace(c, id=f"{c.assignment}/{c.id}") if c.id in taken else c)
        taken.add(out[-1].id)
    return list(shared.values()) + out


def _output(reports: list[Report]) -> str:
    """What the file printed: once when every part saw the same, else each under its assignment."""
    texts = [r.output for r in reports]
    if all(t == texts[0] for t in texts):
        return texts[0]
    return "".join(f"[{r.assignment}]\n{r.output}" for r in reports if r.output)


def _weakest(levels) -> str:
    """The isolation every part had at least (the weakest of the children's)."""
    from .sandbox.isolation import LEVELS

    seen = list(levels)
    return max(seen, key=lambda x: LEVELS.index(x) if x in LEVELS else len(LEVELS))


def _fixes(modes) -> str:
    """Whether fixes were looked for: off when in no part; hint when any part withheld the code."""
    looked = set(modes) - {"off"}
    return "hint" if "hint" in looked else "diff" if looked else "off"
