"""Batch grading throughput, one code against another on the same machine, in alternating runs.

    python benchmarks/batch.py                                  # this interpreter's gradcheck
    python benchmarks/batch.py --python /path/to/old/venv/bin/python --rounds 10
    python benchmarks/batch.py --mode threads --mode none       # today's code, other settings

The planar corpus is copied round-robin into one folder of ``--files`` submissions (200), then
``gradcheck grade DIR -a planar --jobs 2`` runs once per contender per round, contenders
alternating. Each run prints its rate and the cores the whole machine kept busy (from
/proc/stat, Linux); the end prints each contender's median and how many rounds it matched or
beat the first. On a shared machine the rate moves with the load: trust the pairs and the
medians over many rounds, not one run (benchmarks/README.md, "fifth session").

Contenders: ``today`` (this interpreter), ``--python P`` (another installation, e.g. the code
of 2026-11-25 pip-installed in its own venv), and ``--mode threads`` / ``--mode none`` (today's
code with GRADCHECK_WORKERS=threads / GRADCHECK_ISOLATION=none).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _busy() -> float | None:
    """Jiffies the machine spent busy so far (all cores), or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return float(sum(fields) - fields[3] - fields[4])  # all but idle and iowait


def _one(python: str, env: dict[str, str], folder: str, jobs: int, out: str) -> tuple[float, float | None, int]:
    b0, t0 = _busy(), time.perf_counter()
    done = subprocess.run([python, "-m", "gradcheck", "grade", folder, "-a", "planar", "--jobs", str(jobs), "-o", out],
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())  # fmt: skip
    seconds, b1 = time.perf_counter() - t0, _busy()
    cores = (b1 - b0) / os.sysconf("SC_CLK_TCK") / seconds if b0 is not None and b1 is not None else None
    return seconds, cores, done.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", action="append", default=[], help="another interpreter with gradcheck installed (repeatable)")
    ap.add_argument("--mode", action="append", default=[], choices=["threads", "none"], help="today's code with a setting")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    contenders = [("today", sys.executable, {})]
    contenders += [(f"python {p}", p, {}) for p in a.python]
    contenders += [(f"today, {m}", sys.executable, {"threads": {"GRADCHECK_WORKERS": "threads"}, "none": {"GRADCHECK_ISOLATION": "none"}}[m])
                   for m in a.mode]  # fmt: skip
    sources = sorted((ROOT / "tests" / "corpus" / "planar").rglob("*.py"))
    rates: dict[str, list[float]] = {name: [] for name, _, _ in contenders}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        for i in range(a.files):
            shutil.copy(sources[i % len(sources)], folder / f"s{i:03d}_{sources[i % len(sources)].name}")
        print(f"{a.files} planar submissions, --jobs {a.jobs}, {a.rounds} rounds · load {os.getloadavg()[0]:.1f}")
        for r in range(a.rounds):
            for name, python, extra in contenders:
                seconds, cores, rc = _one(python, {**os.environ, **extra}, str(folder), a.jobs, str(Path(tmp) / "out.json"))
                rates[name].append(a.files / seconds)
                busy = f"busy {cores:.2f} cores" if cores is not None else ""
                print(f"round {r + 1}  {name:<40} {a.files / seconds:6.1f} /s  {seconds:6.2f} s  {busy}  exit {rc}", flush=True)
    first = contenders[0][0]
    print(f"medians · load {os.getloadavg()[0]:.1f}")
    for name, _, _ in contenders:
        wins = sum(x >= y for x, y in zip(rates[name], rates[first]))
        print(f"  {name:<40} {statistics.median(rates[name]):6.1f} /s  (≥ {first} in {wins} of {a.rounds} rounds)")


if __name__ == "__main__":
    main()
