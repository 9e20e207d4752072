"""Run time of a failing planar check with the traced re-run (lines from execution) and without.

    python benchmarks/tracing.py [FILE] [--repeat N]

Prints the median wall time of ``grade`` each way and the time of the traced call alone."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import gradcheck.check.engine as engine
from gradcheck.catalog import resolve
from gradcheck.check import traces
from gradcheck.grade import grade
from gradcheck.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "corpus" / "planar" / "buggy" / "backward_uses_w1.py"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    spec = load_spec(resolve("planar"))
    traced_seconds: list[float] = []
    run = traces.run

    def timed_run(*a, **k):
        start = time.perf_counter()
        try:
            return run(*a, **k)
        finally:
            traced_seconds.append(time.perf_counter() - start)

    traces.run = timed_run
    real = engine._trace_if_wrong
    with_trace, without = [], []
    for _ in range(args.repeat):
        for sink, hook in ((with_trace, real), (without, lambda *a, **k: None)):
            engine._trace_if_wrong = hook
            start = time.perf_counter()
            grade(spec, args.file)
            sink.append(time.perf_counter() - start)
    engine._trace_if_wrong = real
    print(f"{args.file.name}: grade with tracing {statistics.median(with_trace) * 1e3:.0f} ms, "
          f"without {statistics.median(without) * 1e3:.0f} ms (median of {args.repeat}); "
          f"the traced re-run alone {statistics.median(traced_seconds) * 1e3:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
