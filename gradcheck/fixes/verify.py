"""Verified fixes: a candidate edit is shown only after the patched copy was graded again (same
spec, seed and trials) and that finding was gone with no new error.

The student's file is never written: every candidate is graded from a copy in a temporary
directory (a notebook is patched in its cell). Candidates for every error are first tried all
together (one re-grade: the usual case of one mistake, or independent ones); only when that fails
is each finding's list tried on its own, and what was verified alone is re-checked together once.
Every re-grade is fed the same trials and forks from one warm server; the negative control (the
unpatched copy, which must still fail every target) is graded alongside the first candidate.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..check.background import Background
from ..check.templates import parse_student_ref
from ..diagnose.scoring import GRADIENT_CHECK
from ..findings import Finding, Fix, Mistake
from ..grade import grade
from ..report import Report
from ..spec.model import Spec, student_refs
from ..submission import Submission
from .edits import BY_TAG, candidates
from .known import known_for, translated
from .term_edits import Known

MAX_GRADES = 12  # re-grades per submission at most (each ~0.2 s for a planar file)


@dataclass(frozen=True)
class LineEdit:
    """Lines ``line``..``end_line`` of one document (the file, or a notebook cell) replaced."""

    cell: int | None
    line: int
    end_line: int
    before: str
    after: str


@dataclass
class Outcome:
    report: Report  # the original report, its findings now carrying their verified fixes
    patched: dict[int | None, str]  # every verified edit applied: document -> text (None: the .py file)
    new_report: Report | None  # the grade of the fully patched copy
    grades: int = 0
    seconds: float = 0.0


def documents(submission: Submission, report: Report) -> dict[int | None, str]:
    """The texts a location addresses: the .py file as it stands, or each notebook cell."""
    if submission.notebook is not None:
        return dict(report.cells)
    return {None: submission.path.read_text(encoding="utf-8")}


def _line_edit(cell: int | None, old: str, new: str) -> LineEdit | None:
    """The changed lines; a line added (a correct class's own line) comes with the line before it."""
    a, b = old.split("\n"), new.split("\n")
    if a == b or abs(len(a) - len(b)) > 1:
        return None
    first = next(i for i in range(min(len(a), len(b)) + 1) if i == min(len(a), len(b)) or a[i] != b[i])
    tail = 0
    while tail < min(len(a), len(b)) - first and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    first = max(0, first - 1) if first > len(a) - 1 - tail else first  # nothing of the old text changed: keep a line
    return LineEdit(cell, first + 1, len(a) - tail, "\n".join(a[first : len(a) - tail]), "\n".join(b[first : len(b) - tail]))


def _combos(f: Finding) -> list[tuple[Mistake, ...]]:
    combos = list(f.mistakes)
    if not combos:  # explained by its scale alone: the tag names the mistake
        combos = [(Mistake(BY_TAG[t], t),) for t in f.tags if t in BY_TAG]
    return combos


def students(m: Mistake, shown) -> Mistake:
    """The mistake with the spec's internal names as the student knows them (xr is x, b1_drop is b1)."""
    return Mistake(m.kind, m.tag, tuple(map(shown, m.args)), tuple(map(shown, m.data)), shown(m.within) if m.within else None)


def candidate_edits(f: Finding, docs: dict[int | None, str], batch: str | Known, shown=lambda text: text, spec: Spec | None = None) -> list[LineEdit]:
    """``shown``: the spec's ``shown_text`` (its internal names replaced by the student's); ``spec``:
    what the edits may know besides the mistake (each value's formula, the author's own mistakes)."""
    if f.level != "error" or f.location is None:
        return []
    cell = f.location.cell
    text = docs.get(cell)
    if text is None:
        return []
    out: list[LineEdit] = []
    known = known_for(spec, f) if spec is not None else batch
    for combo in [tuple(students(translated(spec, f, m) if spec is not None else m, shown) for m in c) for c in _combos(f)]:
        try:
            found = candidates(text, f.location.line, f.target, combo, known)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError, SyntaxError, RecursionError):
            found = []  # student code no edit was written for: no candidate, so nothing is shown
        for new, _ in found:
            edit = _line_edit(cell, text, new)
            if edit is not None and edit not in out:
                out.append(edit)
    return out


def apply(docs: dict[int | None, str], edits: list[LineEdit]) -> dict[int | None, str] | None:
    """The documents with every edit applied; None when two edits touch the same lines."""
    out = dict(docs)
    taken: set[tuple[int | None, int]] = set()
    # Two findings with one cause propose the same edit: applied once; the last lines first, so an added line moves none.
    for e in sorted(dict.fromkeys(edits), key=lambda e: -e.line):
        lines = out[e.cell].split("\n")
        span = {(e.cell, k) for k in range(e.line, e.end_line + 1)}
        if span & taken or "\n".join(lines[e.line - 1 : e.end_line]) != e.before:
            return None
        taken |= span
        lines[e.line - 1 : e.end_line] = e.after.split("\n")
        out[e.cell] = "\n".join(lines)
    return out


def patched_notebook(path: Path, cells: dict[int | None, str]) -> str:
    """The notebook's JSON with its code cells (numbered from 1, as the report names them) replaced."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    number = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        number += 1
        if number in cells and cells[number] is not None:
            cell["source"] = cells[number].splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def patched_text(submission: Submission, docs: dict[int | None, str]) -> str:
    if submission.notebook is not None:
        return patched_notebook(submission.path, docs)
    return docs[None]


class Regrader:
    """Grades patched copies of one submission with the original's spec, seed and options."""

    def __init__(self, spec: Spec, submission: Submission, report: Report, options: dict) -> None:
        self.spec, self.submission, self.report, self.options = spec, submission, report, options
        self.docs = documents(submission, report)
        self.grades = 0
        self._control: Report | bool | None = None  # the unpatched copy's report; False: it could not be graded
        self._tmp = tempfile.TemporaryDirectory(prefix="gradcheck-fix-")
        self._own_zygote = None
        self._pending: Background | None = None

    def _ready(self) -> None:
        """On the first re-grade (never for a report without candidates): one warm fork server
        for the re-grades, unless the caller's is given, and the trials, drawn and computed once."""
        if self.options.get("zygote") is None and self._own_zygote is None:
            from ..sandbox import zygote

            self._own_zygote = zygote.default()
            self.options = {**self.options, "zygote": self._own_zygote}
        if self.options.get("trials") is None:
            self.options = {**self.options, "trials": _trials(self.spec, self.options)}

    def close(self) -> None:
        if self._pending is not None:  # the control's child is done before its folder goes
            try:
                self._pending.get()
            except Exception:  # noqa: BLE001 - its failure was (or would have been) "nothing verified"
                pass
        if self._own_zygote is not None:
            self._own_zygote.close()
        self._tmp.cleanup()

    def grade(self, edits: list[LineEdit], spec: Spec | None = None, folder: str = "candidate") -> Report | None:
        """The report of the patched copy; ``spec``: the control's (without the student's own gradient check)."""
        docs = apply(self.docs, edits)
        if docs is None:
            return None
        self._ready()
        self.grades += 1
        where = Path(self._tmp.name) / folder  # the control and a candidate may be graded at once
        where.mkdir(exist_ok=True)
        copy = where / self.submission.path.name  # the same name: the module's name stays
        copy.write_text(patched_text(self.submission, docs), encoding="utf-8")
        try:
            patched = Submission.from_path(copy)
            new = grade(spec or self.spec, patched, **self.options)
        except Exception:  # noqa: BLE001 - a copy that cannot be graded verifies nothing
            return None
        # Only the report of exactly that text, graded as the original was: a stale or borrowed report verifies nothing.
        old = self.report
        # The control's spec keeps fewer functions, so its trial labels name fewer sizes (same draws).
        same = (new.assignment, new.seed) == (old.assignment, old.seed) and (spec is not None or (new.trials, new.max_score) == (old.trials, old.max_score))
        return new if same and _digest(new.source) == _digest(patched.source) else None

    def start_control(self, findings: list[Finding]) -> None:
        """The negative control, graded on a helper thread while the first candidate is: the
        unpatched copy, without the student's own gradient check when no target comes from it
        (a value check fails or passes without it)."""
        if self._control is not None or self._pending is not None:
            return
        spec = control_spec(self.spec, findings)
        self._ready()  # here, not on the helper thread: a candidate is graded meanwhile
        self._pending = Background(lambda: self.grade([], spec, "control"))

    def control_fails(self, findings: list[Finding]) -> bool:
        """The negative control: the unpatched copy, graded the same way, still fails every target.
        A re-grader that passes everything (or ignores what it was given) is caught here, once."""
        if self._control is None:
            self.start_control(findings)
            assert self._pending is not None
            try:
                self._control = self._pending.get() or False
            except Exception:  # noqa: BLE001 - a control that cannot be graded verifies nothing
                self._control = False
        return self._control is not False and all(_fails(self._control, f) for f in findings)


def control_spec(spec: Spec, findings: list[Finding]) -> Spec:
    """What the control must show is only that the targets' checks still fail: the functions that
    produced them (and those whose returns they are fed), without the student's own gradient
    check, unless a target comes from it (then the whole spec)."""
    if any(f.check is None or f.check == GRADIENT_CHECK or f.code.startswith("GC4") for f in findings):
        return spec
    by_name = {fn.name: fn for fn in spec.functions}
    todo = [f.check.split(":")[0] for f in findings if f.check]
    if not set(todo) <= by_name.keys():
        return spec
    keep: set[str] = set()
    while todo:
        name = todo.pop()
        if name in keep or name not in by_name:
            continue
        keep.add(name)
        todo += [parse_student_ref(ref)[0] for ref in student_refs(list(by_name[name].args))]
    return replace(spec, functions=tuple(fn for fn in spec.functions if fn.name in keep), student_cost=())


def _trials(spec: Spec, options: dict) -> list:
    from ..check.trials import make_trials
    from ..grade import DEFAULT_SEED

    trials = make_trials(spec, options.get("seed", DEFAULT_SEED), options.get("sizes"))
    return [t.complete() for t in trials]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _fails(report: Report, f: Finding) -> bool:
    status = {c.id: c.status for c in report.checks}
    return any(e.target == f.target for e in report.errors) or (f.check is not None and status.get(f.check) != "pass")


def resolved(old: Report, new: Report | None, findings: list[Finding]) -> bool:
    """Each finding's target is gone from the errors, its check is there and passes, no new error
    appeared and the score did not drop."""
    if new is None:
        return False
    before = {(f.code, f.target) for f in old.errors}
    after = {(f.code, f.target) for f in new.errors}
    if after - before or new.score < old.score:
        return False
    status = {c.id: c.status for c in new.checks}
    targets = {f.target for f in findings}
    return not any(f.target in targets for f in new.errors) and all(status.get(f.check) == "pass" for f in findings if f.check)


def verified(regrader: Regrader, new: Report | None, findings: list[Finding]) -> bool:
    """What "verified" rests on: the report of exactly the patched text (``Regrader.grade``), where
    the targets pass and nothing got worse (``resolved``), from a re-grader that still fails the
    unpatched copy (``Regrader.control_fails``)."""
    return resolved(regrader.report, new, findings) and regrader.control_fails(findings)


def _fix(f: Finding, e: LineEdit) -> Fix:
    assert f.location is not None
    return Fix(f.location.file, e.line, e.before, e.after, passes=(f.target,), cell=e.cell)


def with_fixes(spec: Spec, submission: Submission, report: Report, *, budget: int = MAX_GRADES, **options) -> Outcome:
    """``options``: what ``grade.grade`` was given (seed, limits, sizes, fd_options, zygote)."""
    start = time.perf_counter()
    if submission.package is not None:  # its copy could not import its own package: nothing is verified
        return Outcome(report, {}, None)
    regrader = Regrader(spec, submission, report, options)
    try:
        wanted = [(f, candidate_edits(f, regrader.docs, spec.batch, spec.shown_text, spec)) for f in report.errors]
        wanted = [(f, c) for f, c in wanted if c]
        chosen: dict[int, LineEdit] = {}
        final: Report | None = None
        if wanted:
            regrader.start_control([f for f, _ in wanted])
            first = [c[0] for _, c in wanted]
            final = regrader.grade(first)
            if verified(regrader, final, [f for f, _ in wanted]):
                chosen = {id(f): c[0] for f, c in wanted}
            else:
                final = None
                for f, cands in wanted:
                    for k, e in enumerate(cands):
                        if regrader.grades >= budget or (k == 0 and len(wanted) == 1):
                            continue  # the first candidate of a lone finding was just graded
                        if verified(regrader, new := regrader.grade([e]), [f]):
                            chosen[id(f)], final = e, new
                            break
                if len(chosen) > 1:  # verified alone: check them together once
                    together = regrader.grade(list(chosen.values()))
                    keep = [f for f, _ in wanted if id(f) in chosen]
                    if verified(regrader, together, keep):
                        final = together
                    else:
                        only = keep[0]
                        chosen = {id(only): chosen[id(only)]}
                        final = regrader.grade([chosen[id(only)]])
        findings = [replace(f, fix=_fix(f, chosen[id(f)])) if id(f) in chosen else f for f in report.findings]
        patched = apply(regrader.docs, list(chosen.values())) or {}
        out = replace(report, findings=findings)
        return Outcome(out, patched if chosen else {}, final if chosen else None, regrader.grades, time.perf_counter() - start)
    finally:
        regrader.close()
