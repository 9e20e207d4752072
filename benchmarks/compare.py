"""A command line of gradcheck timed before and after a change, in interleaved runs.

    python benchmarks/compare.py REF -- examples/planar/correct.py
    python benchmarks/compare.py main --rounds 9 --no-cache -- --help

REF (a commit, branch or tag) is exported with `git archive` into a temporary folder, and
`python -m gradcheck ARGS` runs alternately there (before) and in this checkout (after), so
both see the same load on a shared machine. Printed per side: median wall time and median
CPU time (user + system of the processes reaped: the grader, and at levels below namespaces
its child; a child in bubblewrap's PID namespace is reaped there). ``--no-cache`` adds a third
side, this checkout with GRADCHECK_NO_CACHE=1 (a first run: nothing remembered on disk).
Relative file arguments are taken from this checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# As an installed package runs: with its bytecode.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def export(ref: str, into: str) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref], capture_output=True, check=True).stdout
    tar = Path(into) / "ref.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as fh:
        fh.extractall(into, filter="data")
    tar.unlink()


def timed(cwd: str, args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "gradcheck", *args], cwd=cwd, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ref")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-cache", action="store_true")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:cut])
    shown = argv[cut + 1 :]
    args = [str(ROOT / a) if not a.startswith("-") and (ROOT / a).exists() else a for a in shown]
    with tempfile.TemporaryDirectory(prefix="gradcheck-compare-") as tmp:
        export(opts.ref, tmp)
        sides = [(f"before ({opts.ref})", tmp, ENV), ("after (this checkout)", str(ROOT), ENV)]
        if opts.no_cache:
            sides.append(("after, nothing cached", str(ROOT), {**ENV, "GRADCHECK_NO_CACHE": "1"}))
        for _, cwd, env in sides:
            timed(cwd, args, env)  # bytecode written, caches filled
        results: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _, _ in sides}
        load = os.getloadavg()[0]
        for _ in range(opts.rounds):
            for name, cwd, env in sides:
                results[name].append(timed(cwd, args, env))
    print(f"gradcheck {' '.join(shown)} · {opts.rounds} interleaved rounds · load {load:.1f} → {os.getloadavg()[0]:.1f}")
    for name, runs in results.items():
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        codes = sorted({r[2] for r in runs})
        print(f"  {name:28s} wall {wall:6.3f} s   CPU {cpu:6.3f} s   exit {','.join(map(str, codes))}")


if __name__ == "__main__":
    main()
