"""Golden reports: the CLI's JSON and text output for every corpus file, normalized.

A safety net for refactors that must not change behaviour. Not a test (pytest does not collect
it): run it before a change and after, then diff the two directories.

    python tests/diagnose/golden.py /tmp/golden/before
    python tests/diagnose/golden.py /tmp/golden/after
    diff -r /tmp/golden/before /tmp/golden/after

Paths in the reports are relative to the checkout the script lives in. To keep editing while
the "before" set is made, run it from a copy of HEAD (``git archive HEAD | tar -x -C DIR``) with
``PYTHONPATH=DIR``. ``hostile/`` is skipped:
those files probe the sandbox, and their reports depend on the machine.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
SKIP = {"hostile", "specs"}
TIMING = re.compile(r"\b\d+(\.\d+)? ?s\b")
LONE_TIMING = re.compile(r"(?m)^(· )?\d+(\.\d+)? ?s$")  # wrapped before the number
WRAPPED_TIMING = re.compile(r"(trials? · )(\d+(\.\d+)? ?\n?s\b|<T>)")


def files() -> list[Path]:
    out = []
    for p in sorted(CORPUS.rglob("*")):
        rel = p.relative_to(CORPUS)
        if p.is_file() and p.suffix in (".py", ".ipynb") and rel.parts[0] not in SKIP:
            out.append(p)
    return out


def _drop_seconds(value):
    if isinstance(value, dict):
        return {k: _drop_seconds(v) for k, v in value.items() if "seconds" not in k}
    if isinstance(value, list):
        return [_drop_seconds(v) for v in value]
    return value


def normalize_text(text: str) -> str:
    """No absolute paths; no timings (the header's "· 0.31 s", also when wrapped before the "s")."""
    text = text.replace(str(ROOT), "<ROOT>")
    text = WRAPPED_TIMING.sub(r"\1<T>", text)
    text = LONE_TIMING.sub("<T>", text)
    return "\n".join(TIMING.sub("<T>", line) if " · " in line and " s" in line else line for line in text.splitlines()) + "\n"


def run(path: Path, out: Path) -> None:
    """One process per file: the text report on stdout, the JSON report (what ``--format
    json`` prints) written with ``--output``."""
    rel = path.relative_to(ROOT)
    stem = str(path.relative_to(CORPUS)).replace("/", "__")
    js_path = out / f"{stem}.raw.json"
    cmd = ["nice", "-n", "10", sys.executable, "-m", "gradcheck", str(rel), "--no-color", "--width", "100", "--output", str(js_path)]
    tx = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    (out / f"{stem}.txt").write_text(f"exit {tx.returncode}\n{normalize_text(tx.stdout)}{normalize_text(tx.stderr)}", encoding="utf-8")
    try:
        data = _drop_seconds(json.loads(js_path.read_text(encoding="utf-8")))
        body = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False).replace(str(ROOT), "<ROOT>")
    except (OSError, json.JSONDecodeError) as exc:
        body = f"no JSON report: {type(exc).__name__}"
    js_path.unlink(missing_ok=True)
    (out / f"{stem}.json").write_text(body + "\n", encoding="utf-8")


def renormalize(folder: Path) -> None:
    """Apply normalize_text again to the text reports in ``folder`` (made by an older normalizer)."""
    for p in folder.glob("*.txt"):
        p.write_text(normalize_text(p.read_text(encoding="utf-8")), encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--renormalize":
        renormalize(Path(argv[1]))
        return 0
    if len(argv) != 1:
        print(__doc__)
        return 2
    out = Path(argv[0])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    todo = files()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda p: run(p, out), todo))
    print(f"{len(todo)} files → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
