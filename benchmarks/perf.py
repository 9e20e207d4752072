"""Speed at every size (issue 7): one run prints every figure and ratio, medians of repeats.

    python benchmarks/perf.py            # full (about a minute and a half)
    python benchmarks/perf.py --quick    # fewer repeats, fewer corpus files

(a) the default check of a correct cat-size L-layer submission ([12288, 20, 7, 5, 1], m = 209):
    wall time with a warm worker (a fork server, as batch grading uses: process start-up
    excluded), and its ratio to one forward+backward pass of that submission, timed in a
    separate process both with the machine's default BLAS threads and with one (how the
    check runs the submission), in rounds that alternate with the checks (the ratio is the
    median of the rounds'); this process, the grader, uses one BLAS thread as the CLI does.
    A check borrows what an earlier one of the same spec, seed and sizes drew (check/drawn.py):
    the same check with nothing lent is timed too (a process's first check);
(b) the same with planted mistakes: every buggy file of the L-layer corpus, at cat size;
(c) the estimated time of an exhaustive (element-by-element) finite-difference check;
(d) wall time of `gradcheck --help` and of a full planar check, buggy and correct file
    (fresh processes), each with the CPU time its processes were charged (the grader's own,
    and at levels below namespaces the child's: a child in bubblewrap's PID namespace is
    reaped there, not by the grader);
(e) batch grading throughput on 200 planar submissions with --jobs 2.

The isolation level in force and the load average (before and after) are printed: on a shared
machine the wall times move with the load, the CPU times much less.
"""

# ruff: noqa: E402 - the grader's BLAS threads are chosen before numpy is imported

from __future__ import annotations

import os

if __name__ == "__main__":  # the grader's own BLAS, as `gradcheck` sets it (cli.single_blas_thread)
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck.batch import _fork_server
from gradcheck.catalog import resolve
from gradcheck.grade import grade
from gradcheck.spec.loader import load_spec

# CLI runs as an installed package runs: with its bytecode (pip compiles it at install time;
# a shell with PYTHONDONTWRITEBYTECODE=1 would recompile gradcheck at every start, ~50 ms).
CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

CAT = {"n0": 12288, "n1": 20, "n2": 7, "n3": 5, "n4": 1, "m": 209}
DEEP = ROOT / "tests" / "corpus" / "deep"
PLANAR = ROOT / "tests" / "corpus" / "planar"


def median_time(fn, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_run(argv: list[str], n: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system, of the processes reaped) of a command."""
    import resource

    walls, cpus = [], []
    for _ in range(n):
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(argv, capture_output=True, env=CLI_ENV)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(time.perf_counter() - start)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class ForwardBackwardTimer:
    """forward_backward() in a process of its own with ``threads`` BLAS threads (None: the
    machine's default), timed on request: rounds alternate with the checks, so both see
    the same load on a shared machine."""

    def __init__(self, path: Path, threads: int | None) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        if threads is not None:
            env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        code = f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import perf; perf.serve_forward_backward(perf.Path({str(path)!r}))"
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def median(self, n: int) -> float:
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def serve_forward_backward(path: Path) -> None:
    once = forward_backward_once(path)
    once()
    for line in sys.stdin:
        print(median_time(once, int(line)), flush=True)


def forward_backward_once(path: Path):
    """One L_model_forward + L_model_backward of the submission itself, at cat size."""
    helpers = ROOT / "assignments" / "deep" / "helpers.py"
    spec = importlib.util.spec_from_file_location("dnn_utils", helpers)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules["dnn_utils"] = mod
    sub_spec = importlib.util.spec_from_file_location("cat_submission", path)
    sub = importlib.util.module_from_spec(sub_spec)
    sub_spec.loader.exec_module(sub)
    rng = np.random.default_rng(0)
    sizes = [CAT[f"n{i}"] for i in range(5)]
    params = {}
    for l in range(1, 5):  # noqa: E741 - the course's name for the layer index
        params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) * 0.01
        params[f"b{l}"] = np.zeros((sizes[l], 1))
    X = rng.standard_normal((sizes[0], CAT["m"]))
    Y = (rng.uniform(size=(1, CAT["m"])) < 0.5).astype(float)

    def once():
        AL, caches = sub.L_model_forward(X, params)
        sub.L_model_backward(AL, Y, caches)

    return once


def first_checks(spec, path: Path, warm, n: int) -> float:
    """Median warm-worker check with nothing lent by the checks before it: the trials, the
    finite-difference directions and the parsed file, as a process's first check draws them."""
    from gradcheck.check import drawn, parsed, student_fd

    times = []
    for _ in range(n):
        drawn.clear()
        student_fd.clear_directions()
        parsed.clear()
        time.sleep(0.2)
        start = time.perf_counter()
        grade(spec, path, sizes=CAT, zygote=warm)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 3 if args.quick else 7
    py = [sys.executable, "-m", "gradcheck"]
    deep4 = load_spec(resolve("deep"), depth=4)
    correct = ROOT / "examples" / "deep" / "correct.py"
    from gradcheck.sandbox import isolation

    print(f"python {sys.version.split()[0]} · numpy {np.__version__} · medians of {n} runs · isolation {isolation.strongest()} · load {load()}")
    print()

    # (a)
    reports = []
    warm = _fork_server([correct], deep4)  # at the namespaces level: a sandbox showing its folder
    grade(deep4, correct, sizes=CAT, zygote=warm)  # the spec validated, as once per process

    def check_once() -> None:
        time.sleep(0.2)  # the previous child's memory freed first
        start = time.perf_counter()
        reports.append(grade(deep4, correct, sizes=CAT, zygote=warm))
        checks.append(time.perf_counter() - start)

    checks: list[float] = []
    timers = ForwardBackwardTimer(correct, None), ForwardBackwardTimer(correct, 1)
    rounds = []  # (check, forward+backward default threads, one thread), each a median of the round
    for _ in range(n):
        checks.clear()
        for _ in range(3):
            check_once()
        rounds.append((statistics.median(checks), timers[0].median(9), timers[1].median(9)))
    for timer in timers:
        timer.close()
    check, fb, fb1 = (statistics.median(r[i] for r in rounds) for i in range(3))
    ratio, ratio1 = statistics.median(r[0] / r[1] for r in rounds), statistics.median(r[0] / r[2] for r in rounds)
    first = first_checks(deep4, correct, warm, n)
    cold = median_time(lambda: grade(deep4, correct, sizes=CAT), n)
    if warm is not None:
        warm.close()
    subprocess.run([*py, "--version"], capture_output=True, env=CLI_ENV)  # bytecode written once
    cli = median_time(lambda: subprocess.run([*py, str(correct), "--sizes", "12288,20,7,5,1", "--m", "209"], capture_output=True, env=CLI_ENV), n)
    r = reports[-1]
    print("(a) correct cat-size L-layer submission [12288, 20, 7, 5, 1], m = 209")
    print(f"    default check, warm worker (start-up excluded)    {check:8.3f} s   passed={r.passed} score={r.score:g}  ({n} rounds of 3)")
    print(f"    the same, nothing lent by an earlier check        {first:8.3f} s   (a process's first check: trials drawn)")
    print(f"    the same, library call starting its own process   {cold:8.3f} s")
    print(f"    one forward+backward, default BLAS threads        {fb:8.4f} s   ratio {ratio:6.1f} ×  (median of the rounds' ratios)")
    print(f"    one forward+backward, one BLAS thread (as checked){fb1:8.4f} s   ratio {ratio1:6.1f} ×")
    print(f"    CLI wall time (fresh process, start-up included)  {cli:8.3f} s")
    print()

    # (b)
    files = sorted((DEEP / "buggy").glob("*.py"))
    if args.quick:
        files = files[:6]
    caught, misses, times = 0, [], []
    for f in files:
        start = time.perf_counter()
        rep = grade(deep4, f, sizes=CAT)
        times.append(time.perf_counter() - start)
        if rep.passed:
            misses.append(f.name)
        else:
            caught += 1
    print(f"(b) planted mistakes at cat size: {caught}/{len(files)} caught, median check {statistics.median(times):.3f} s")
    for name in misses:
        print(f"    missed: {name}")
    print()

    # (c)
    total = sum(int(np.prod([CAT[s] if isinstance(s, str) else s for s in v.shape])) for v in deep4.values if v.name in deep4.parameters)
    per_eval = fb1 / 3  # a forward pass costs about a third of forward+backward here, one BLAS thread as checked
    print(f"(c) exhaustive check: {total:,} parameters × 2 forward passes × {per_eval * 1e3:.2f} ms ≈ {2 * total * per_eval / 60:.1f} min")
    print()

    # (d)
    help_t = median_time(lambda: subprocess.run([*py, "--help"], capture_output=True, env=CLI_ENV), n)
    buggy_t, buggy_cpu = median_run([*py, str(ROOT / "examples/planar/buggy.py")], n)
    correct_t, correct_cpu = median_run([*py, str(ROOT / "examples/planar/correct.py")], n)
    print(f"(d) gradcheck --help {help_t:.3f} s · full planar check, fresh processes: buggy file {buggy_t:.3f} s (CPU {buggy_cpu:.3f} s), "
          f"correct file {correct_t:.3f} s (CPU {correct_cpu:.3f} s)")  # fmt: skip
    print()

    # (e)
    sources = sorted(PLANAR.rglob("*.py"))
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(200):
            src = sources[i % len(sources)]
            shutil.copy(src, Path(tmp) / f"s{i:03d}_{src.name}")
        start = time.perf_counter()
        proc = subprocess.run([*py, "grade", tmp, "-a", "planar", "--jobs", "2"], capture_output=True, text=True, env=CLI_ENV)
        batch = time.perf_counter() - start
    print(f"(e) batch: 200 planar submissions, --jobs 2: {batch:.2f} s → {200 / batch:.1f} submissions/s (exit {proc.returncode})")
    print(f"load {load()}")


if __name__ == "__main__":
    main()
