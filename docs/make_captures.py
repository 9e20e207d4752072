"""Regenerate the report captures in docs/reports.md.

    python docs/make_captures.py           # rewrite the captures in place
    python docs/make_captures.py --check   # exit 1 if a capture is out of date

Each capture is the real output of the command line (``--no-color --width 100``) on a
corpus file, with the absolute path of the repository removed. A capture sits between
``<!-- capture:NAME:begin -->`` and ``<!-- capture:NAME:end -->`` markers; everything
outside the markers is prose and is left alone. Timings differ from run to run, so
``--check`` ignores them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reports.md"

TEXT = {
    "dw1_missing_mean": "tests/corpus/planar/buggy/dw1_missing_mean.py",
    "dz2_sign_flip": "tests/corpus/planar/buggy/dz2_sign_flip.py",
}
JSON = {"json_dw1_missing_mean": "tests/corpus/planar/buggy/dw1_missing_mean.py"}
WORST_SHOWN = 2  # rows of "worst" entries kept in the JSON example


def gradcheck(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    proc = subprocess.run([sys.executable, "-m", "gradcheck", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"gradcheck {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    text = proc.stdout.replace(str(ROOT) + os.sep, "")
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def text_capture(rel: str) -> str:
    return "```text\n" + gradcheck(str(ROOT / rel), "--no-color", "--width", "100").rstrip() + "\n```"


def json_capture(rel: str) -> str:
    data = json.loads(gradcheck(str(ROOT / rel), "--format", "json"))
    failing = [c for c in data["checks"] if c["status"] != "pass"]
    data["checks"] = data["checks"][:1] + failing  # abridged: the passing checks look alike
    for f in data["findings"]:
        if isinstance(f["stats"].get("worst"), list):
            f["stats"]["worst"] = f["stats"]["worst"][:WORST_SHOWN]
    return "```json\n" + json.dumps(data, indent=2, ensure_ascii=False) + "\n```"


def captures() -> dict[str, str]:
    out = {name: text_capture(rel) for name, rel in TEXT.items()}
    out.update({name: json_capture(rel) for name, rel in JSON.items()})
    return out


def fill(doc: str, new: dict[str, str]) -> str:
    for name, body in new.items():
        pattern = re.compile(rf"(<!-- capture:{name}:begin -->\n).*?(\n<!-- capture:{name}:end -->)", re.S)
        if not pattern.search(doc):
            raise SystemExit(f"{DOC.name}: no markers for capture '{name}'")
        doc = pattern.sub(lambda m, body=body: m.group(1) + body + m.group(2), doc)
    return doc


def normalise(text: str) -> str:
    text = re.sub(r"· \d+\.\d\d s", "· N s", text)
    return re.sub(r'"seconds": [0-9.e-]+', '"seconds": N', text)


def main(argv: list[str]) -> int:
    doc = DOC.read_text(encoding="utf-8")
    updated = fill(doc, captures())
    if "--check" in argv:
        if normalise(updated) != normalise(doc):
            sys.stderr.write(f"{DOC.relative_to(ROOT)} is out of date: run python docs/make_captures.py\n")
            return 1
        return 0
    if updated != doc:
        DOC.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
