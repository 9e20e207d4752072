"""Grade many submissions: isolated one by one, in parallel, with a class summary."""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import workers
from .check.trials import make_trials
from .errors import UsageError
from .grade import grade, internal_error_report, validate_spec
from .render.common import check_name, safe_document
from .render.json_report import report_dict
from .report import CheckResult, Report
from .spec.model import Limits, Spec

SUFFIXES = (".py", ".ipynb")


def collect(target: str) -> list[Path]:
    """Files named by a directory or a glob, sorted, submissions only."""
    path = Path(target)
    if path.is_dir():
        files = [p for p in _files_below(path) if p.suffix in SUFFIXES and p.is_file() and "__pycache__" not in p.parts]
    else:
        files = [Path(p) for p in glob.glob(target, recursive=True) if Path(p).suffix in SUFFIXES and Path(p).is_file()]
    if not files:
        raise UsageError(f"{target}: no .py or .ipynb submissions found")
    return sorted(files)


def graded_folder_holding(path: Path, files: list[Path]) -> Path | None:
    """The folder of one of ``files`` that holds ``path`` (an output of the batch), if any: each
    child is shown its submission's folder, so results, a journal or feedback written there
    would be read by the students graded after (their scores, the reference's words)."""
    where = Path(os.path.realpath(path))
    for folder in {Path(os.path.realpath(f)).parent for f in files}:
        if where == folder or folder in where.parents:
            return folder
    return None


def _files_below(root: Path, depth: int = 32) -> list[Path]:
    """Every file under ``root``, at most ``depth`` folders down, links to folders not followed:
    a walk without recursion (Path.rglob recursed once per level: a class folder nested 1,500
    deep lost the whole batch to RecursionError)."""
    out: list[Path] = []
    stack = [(root, 0)]
    while stack:
        folder, level = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for e in entries:
                    if e.is_dir(follow_symlinks=False):
                        if level < depth:
                            stack.append((Path(e.path), level + 1))
                    else:
                        out.append(Path(e.path))
        except OSError:
            continue
    return out


def shard(files: list[Path], spec_text: str) -> list[Path]:
    """``i/n``: every n-th file starting at the i-th (1-based); shards cover all files once."""
    try:
        i, n = (int(x) for x in spec_text.split("/"))
    except ValueError:
        raise UsageError(f"--shard must look like 2/5 (got {spec_text!r})") from None
    if not 1 <= i <= n:
        raise UsageError(f"--shard {spec_text}: the shard number must be between 1 and {n}")
    return files[i - 1 :: n]


@dataclass
class Row:
    file: str
    passed: bool
    score: float
    max_score: float
    findings: list[dict]
    seconds: float
    # The gradebook's fields (added after the first six; older results files load without them).
    student: str = ""
    assignment: str = ""
    seed: int = 0
    checks: list[dict] = field(default_factory=list)  # {"name", "points", "max_points", "status"} per check

    def codes(self) -> list[str]:
        return [f"{f['code']} {f['target']}" for f in self.findings if f["severity"] == "error"]


def grade_all(spec: Spec, files: list[Path], *, seed: int, limits: Limits, jobs: int,
              progress: Callable[[Path], None] | None = None, on_row: Callable[[Row], None] | None = None,
              seeds: Mapping[Path, int] | None = None, students: Mapping[Path, str] | None = None,
              on_report: Callable[[Path, str, Report], None] | None = None) -> list[Row]:  # fmt: skip
    """Every file's row, in ``files`` order. ``on_row(row)`` is called as each one completes
    (the journal: a killed batch keeps what was done). A submission that breaks grading or
    rendering is one failed row; it never stops the others. ``seeds`` gives a file its own seed
    (``--seed-from-id``), ``students`` its student id; ``on_report`` sees each full report
    (the feedback files)."""
    seeds = seeds or {}
    students = students or {}
    trials_by_seed = {}
    for each in sorted({seeds.get(p, seed) for p in files}):
        trials_by_seed[each] = make_trials(spec, each)
        validate_spec(spec, each, trials=trials_by_seed[each])  # once per seed, not per submission

    def one(path: Path, zygote) -> Row:
        own = seeds.get(path, seed)
        student = students.get(path, path.stem)
        try:
            running = zygote is not None and not zygote.stopped
            report = grade(spec, path, seed=own, limits=limits, trials=trials_by_seed[own], zygote=zygote)
            if running and zygote.stopped:  # the server was killed (it stopped answering): its children died with it
                report = grade(spec, path, seed=own, limits=limits, trials=trials_by_seed[own], zygote=None)
        except Exception as exc:  # noqa: BLE001 - one broken submission never stops the others
            report = internal_error_report(spec.name, path, own, f"{type(exc).__name__}: {exc}")
        try:
            if on_report:
                on_report(path, student, report)
            data = report_dict(report)
            return Row(str(path), bool(report.passed), float(report.score), float(report.max_score), data["findings"], float(report.seconds),
                       student, spec.name, own, [_check_cell(c) for c in report.checks])  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - a report that cannot be rendered is still one row
            row = failed_row(path, spec.name, f"the report could not be rendered ({type(exc).__name__}: {exc})")
            row.student, row.assignment, row.seed = student, spec.name, own
            return row

    def lost(path: Path, why: str) -> Row:
        row = failed_row(path, spec.name, why)
        row.student, row.assignment, row.seed = students.get(path, path.stem), spec.name, seeds.get(path, seed)
        return row

    rows: dict[Path, Row] = {}
    for path, row in _completed(files, jobs, spec, one, lost):
        rows[path] = row
        if on_row:
            on_row(row)
        if progress:
            progress(path)
    return [rows[p] for p in files]


def _completed(files: list[Path], jobs: int, spec: Spec, one: Callable[[Path, Any], Row],
               lost: Callable[[Path, str], Row]) -> Iterator[tuple[Path, Row]]:  # fmt: skip
    """(path, row) as each completes: in forked worker processes where it can (workers.py: each
    its own GIL and fork server), else in threads sharing one fork server."""
    if workers.usable(jobs, len(files)):
        _shared_files()
        yield from workers.run(files, jobs, lambda: _WorkerState(files, spec), lambda p, state: one(p, state and state.zygote),
                               lambda fields: Row(**fields), lost)  # fmt: skip
        return
    zygote = _fork_server(files, spec)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(one, p, zygote): p for p in files}
            for fut in as_completed(futures):
                path = futures[fut]
                try:
                    yield path, fut.result()
                except Exception as exc:  # noqa: BLE001 - belt and braces: one() already catches
                    yield path, lost(path, f"{type(exc).__name__}: {exc}")
    finally:
        if zygote is not None:
            zygote.close()


def _check_cell(c: CheckResult) -> dict:
    return {"name": check_name(c), "points": c.points, "max_points": c.max_points, "status": c.status}


def seed_for(student: str) -> int:
    """``--seed-from-id``: a stable seed from the student's id (the first 6 hex digits of its
    SHA-256, 0…16777215), the same on every machine and run; ``gradcheck FILE --seed N`` repeats it."""
    return int(hashlib.sha256(student.encode("utf-8", "surrogateescape")).hexdigest()[:6], 16)


def student_ids(files: list[Path], target: str) -> dict[Path, str]:
    """Each file's student id: the first folder under the target (``subs/alice/planar.py`` →
    ``alice``), else the file's name (``subs/bob_planar.py`` → ``bob_planar``). A Gradescope
    ``submission_metadata.json`` in the student's folder names them instead (its users' emails).
    Ids are made unique by adding the file's own path when two files share one."""
    root = Path(target) if Path(target).is_dir() else Path(os.path.commonpath([str(p.parent) for p in files]) or ".")
    ids: dict[Path, str] = {}
    for p in files:
        try:
            rel = p.relative_to(root)
        except ValueError:
            rel = Path(p.name)
        folder = root / rel.parts[0] if len(rel.parts) > 1 else None
        ids[p] = (_gradescope_id(folder) if folder else None) or (rel.parts[0] if folder else p.stem)
    counts = Counter(ids.values())
    return {p: (i if counts[i] == 1 else p.relative_to(root).with_suffix("").as_posix() if p.is_relative_to(root) else f"{i}/{p.stem}")
            for p, i in ids.items()}  # fmt: skip


def _gradescope_id(folder: Path) -> str | None:
    """The submitters' emails (or names) from Gradescope's ``submission_metadata.json``, joined by '+'."""
    meta = folder / "submission_metadata.json"
    try:
        users = json.loads(meta.read_text(encoding="utf-8")).get("users") if meta.is_file() else None
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(users, list):
        return None
    names = [str(u.get("sid") or u.get("email") or u.get("name") or "").strip() for u in users if isinstance(u, dict)]
    return "+".join(n for n in names if n) or None


def failed_row(path: Path, assignment: str, why: str) -> Row:
    """The row of a submission gradcheck could not grade or report: failed, score 0, GC901."""
    finding = {"code": "GC901", "severity": "error", "target": "submission", "tags": [], "message": f"gradcheck failed on {assignment}: {why}"}
    return Row(str(path), False, 0.0, 0.0, [finding], 0.0)


class Journal:
    """Each student's row appended to ``OUTPUT.partial.jsonl`` (one JSON line, flushed) as it
    completes, so a batch killed midway keeps every row done (``gradcheck merge`` reads it).
    Removed once the full results file is written."""

    def __init__(self, output: Path) -> None:
        self.path = output.with_name(output.name + ".partial.jsonl")
        self.fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - open for the whole batch

    def add(self, row: Row) -> None:
        self.fh.write(json.dumps(row.__dict__, ensure_ascii=True) + "\n")  # escapes: any text fits
        self.fh.flush()

    def close(self, done: bool) -> None:
        self.fh.close()
        if done:
            self.path.unlink(missing_ok=True)


class _WorkerState:
    """A grading worker's fork server; at its end, the children killed on helper threads are
    awaited too (a worker ends with os._exit: no atexit)."""

    def __init__(self, files: list[Path], spec: Spec) -> None:
        self.zygote = _fork_server(files, spec)

    def close(self) -> None:
        from .sandbox import runner

        if self.zygote is not None:
            self.zygote.close()
        runner.reap_all()


def _shared_files() -> None:
    """What every worker's children read (the child's private files; at uid-drop the view of
    jail.py), made before the workers fork, so that the parent's exit removes them."""
    from .sandbox import isolation

    isolation.child_dir()
    isolation.scratch_home()


def _fork_server(files: list[Path] | None = None, spec: Spec | None = None):
    """A warm fork server where the platform allows (Linux); otherwise each child is spawned.
    At the namespaces level its sandbox shows the folders of ``files`` and the spec's helpers."""
    from .sandbox import zygote

    folders = sorted({Path(f).resolve().parent for f in files or []})
    return zygote.default(folders, spec.helpers if spec is not None else None)


def summary(rows: list[Row]) -> dict[str, Any]:
    scores = [r.score for r in rows]
    top = max((r.max_score for r in rows), default=0.0) or 1.0
    buckets = Counter(min(9, int(10 * s / top)) for s in scores)
    common: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    for r in rows:
        seen = set()
        for f in r.findings:
            if f["severity"] != "error":
                continue
            key = f"{f['code']} {f['target']}"
            if key not in seen:
                common[key] += 1
                seen.add(key)
            for t in f["tags"]:
                tags[t] += 1
    return {
        "submissions": len(rows),
        "passed": sum(r.passed for r in rows),
        "mean_score": round(sum(scores) / len(scores), 3) if scores else 0.0,
        "max_score": top,
        "histogram": [{"from": 10 * k, "to": 10 * (k + 1), "count": buckets.get(k, 0)} for k in range(10)],
        "common_findings": common.most_common(10),
        "common_tags": tags.most_common(10),
    }


def to_json(rows: list[Row], meta: dict[str, Any]) -> str:
    return json.dumps({"meta": meta, "summary": summary(rows), "results": [r.__dict__ for r in rows]}, indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = ["file", "passed", "score", "max_score", "errors", "first_error",
               "student", "assignment", "seed", "first_error_code", "first_error_target"]  # fmt: skip


def to_csv(rows: list[Row]) -> str:
    """The gradebook: the first six columns as before, then the student, the assignment, the
    seed, the first error's code and target, and one column of points per check (named
    ``function: target``; empty for a student graded on another assignment)."""
    checks = list(dict.fromkeys(c["name"] for r in rows for c in r.checks))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS + checks)
    for r in rows:
        errors = [f for f in r.findings if f["severity"] == "error"]
        first = f"{errors[0]['code']} {errors[0]['target']}: {errors[0]['message']}" if errors else ""
        own = {c["name"]: c["points"] for c in r.checks}
        w.writerow([r.file, r.passed, r.score, r.max_score, " ".join(e["code"] for e in errors), first[:300], r.student, r.assignment, r.seed,
                    errors[0]["code"] if errors else "", errors[0]["target"] if errors else ""] + [own.get(c, "") for c in checks])  # fmt: skip
    return buf.getvalue()


def load_rows(path: Path) -> tuple[list[Row], dict[str, Any]]:
    """Rows from a results.json, or from the journal (``.partial.jsonl``) of a batch that
    did not finish."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            return [Row(**json.loads(line)) for line in text.splitlines() if line.strip()], {"partial": str(path)}
        data = json.loads(text)
        rows = [Row(**r) for r in data["results"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a gradcheck batch result ({exc})") from None
    return rows, data.get("meta", {})


def write(path: Path, rows: list[Row], meta: dict[str, Any]) -> None:
    """The results file, fresh and whole (a new file moved over the path); any text fits."""
    text = safe_document(to_csv(rows), "csv") if path.suffix == ".csv" else safe_document(to_json(rows, meta), "json")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
