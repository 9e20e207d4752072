"""``[tool.gradcheck]`` in pyproject.toml, and ``--select`` / ``--ignore`` of finding codes.

Settings are looked up as ruff looks up ``[tool.ruff]``: the closest ``pyproject.toml`` with a
``[tool.gradcheck]`` table, from the submission's folder upward. The command line wins over
the file, the file over the spec's defaults. Keys are the command line's option names with
``_`` for ``-`` (``memory_mb`` for ``--memory-mb``).

Selecting or ignoring codes changes what is *reported*, never the score or the verdict: a
check that failed stays failed when its finding is hidden (docs/instructors.md).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError
from .findings import CODES
from .report import Report

# key -> (types accepted, what the value must be, in words)
KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "seed": ((int,), "a whole number"),
    "timeout": ((int, float), "a number of seconds"),
    "memory_mb": ((int,), "a whole number of MiB"),
    "max_elements": ((int,), "a whole number"),
    "select": ((list,), "a list of finding codes"),
    "ignore": ((list,), "a list of finding codes"),
    "format": ((str,), "a format name"),
}
NEVER_HIDDEN = "GC901"  # gradcheck's own failure is always reported


@dataclass(frozen=True)
class Settings:
    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise UsageError(f"{path}: reading [tool.gradcheck] needs Python 3.11 or the 'tomli' package") from None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not a readable pyproject.toml ({exc})") from None


def find(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The closest pyproject.toml with a [tool.gradcheck] table, from ``start`` (a file's folder) upward."""
    here = start.resolve()
    here = here if here.is_dir() else here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _read_toml(candidate).get("tool", {}).get("gradcheck")
            if table is not None:
                return candidate, table
    return None


def _line(path: Path, key: str) -> str:
    """``path:line`` of ``key = …`` for messages (the first match; TOML parsers give no lines)."""
    try:
        for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(rf"\s*{re.escape(key)}\s*=", text):
                return f"{path}:{i}"
    except OSError:
        pass
    return str(path)


def load(start: Path) -> Settings:
    """The settings for a submission at ``start``; empty when no [tool.gradcheck] is found."""
    found = find(start)
    if found is None:
        return Settings()
    path, table = found
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.gradcheck] must be a table")
    for key, value in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; the keys are: {', '.join(KEYS)}"
            raise UsageError(f"{_line(path, key)}: unknown key '{key}' in [tool.gradcheck]{hint}")
        types, what = KEYS[key]
        if not isinstance(value, types) or isinstance(value, bool):
            raise UsageError(f"{_line(path, key)}: '{key}' must be {what} (got {value!r})")
        if key in ("select", "ignore"):
            try:
                parse_codes(value, key)
            except UsageError as exc:
                raise UsageError(f"{_line(path, key)}: {exc}") from None
    return Settings(path, dict(table))


def parse_codes(value: str | list | None, flag: str) -> tuple[str, ...]:
    """``GC302,GC3`` or a list: codes or code prefixes (``GC3`` is every GC3xx), each checked."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    out = []
    for raw in items:
        code = str(raw).strip().upper()
        if not code:
            continue
        if not re.fullmatch(r"GC\d{0,3}", code) or not any(c.startswith(code) for c in CODES):
            close = difflib.get_close_matches(code, CODES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else " (see docs/codes.md)"
            raise UsageError(f"{flag}: '{raw}' is not a finding code or prefix like GC302 or GC3{hint}")
        out.append(code)
    return tuple(out)


def select(report: Report, selected: tuple[str, ...], ignored: tuple[str, ...]) -> int:
    """Keep only the findings ``selected`` (all when empty) and not ``ignored``; return how many
    were hidden. Checks, points, score and verdict are left as they are."""
    if not selected and not ignored:
        return 0

    def shown(code: str) -> bool:
        if code == NEVER_HIDDEN:
            return True
        picked = not selected or any(code.startswith(p) for p in selected)
        # the longer (more specific) prefix wins, as in ruff: --select GC302 --ignore GC3 keeps GC302
        best_sel = max((len(p) for p in selected if code.startswith(p)), default=-1)
        best_ign = max((len(p) for p in ignored if code.startswith(p)), default=-1)
        return picked and best_ign <= best_sel if best_ign >= 0 else picked

    kept = [f for f in report.findings if shown(f.code)]
    hidden = len(report.findings) - len(kept)
    if hidden:
        report.findings = kept
        flags = " ".join(f for f, v in (("--select " + ",".join(selected), selected), ("--ignore " + ",".join(ignored), ignored)) if v)
        noun = "finding" if hidden == 1 else "findings"
        report.rules.append(f"{hidden} {noun} not shown ({flags}); the score and the verdict are unchanged")
    return hidden

