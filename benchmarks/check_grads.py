"""gradcheck.check_grads beside torch.autograd.gradcheck and jax.test_util.check_grads (issue 20).

    python benchmarks/check_grads.py            # 5 rounds
    python benchmarks/check_grads.py --repeat 3

The cat classifier of DLS C1W4 at its real size: layers [12288, 20, 7, 5, 1], m = 209,
ReLU hidden layers, a sigmoid output and the mean cross-entropy cost, in float64. The
same network three times: numpy with a hand-written backward pass (checked by
``gradcheck.check_grads``), torch (checked by ``torch.autograd.gradcheck(...,
fast_mode=True)``, which differentiates it itself) and JAX (``check_grads(f, args,
order=1, modes=["rev"])``). Every figure is the median of the repeats, measured in this
one run; a library that is not installed is skipped. Also: check_grads on the same
network with a planted mistake (dW2 missing its 1/m), which adds the localization pass.
"""

# ruff: noqa: E402 - one BLAS thread, chosen before numpy is imported (as the gradcheck CLI does)

from __future__ import annotations

import os

if __name__ == "__main__":
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse
import platform
import statistics
import time

import numpy as np

SIZES = (12288, 20, 7, 5, 1)
M = 209


def make_inputs(seed: int = 1) -> tuple[np.ndarray, ...]:
    """X (n_x, m) in [0, 1] like pixel values, Y (1, m) labels, then W1, b1, …, W4, b4."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, (SIZES[0], M))
    Y = (rng.uniform(size=(1, M)) > 0.5).astype(np.float64)
    params = []
    for n_prev, n in zip(SIZES[:-1], SIZES[1:]):
        params += [rng.standard_normal((n, n_prev)) / np.sqrt(n_prev), 0.01 * rng.standard_normal((n, 1))]
    return (X, Y, *params)


def cost(X, Y, *params):
    A = X
    n_layers = len(params) // 2
    for k in range(n_layers):
        Z = params[2 * k] @ A + params[2 * k + 1]
        A = np.maximum(0.0, Z) if k < n_layers - 1 else 1.0 / (1.0 + np.exp(-Z))
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def cost_grad(X, Y, *params, missing_mean: bool = False):
    """The gradients of ``cost`` with respect to W1, b1, …, W4, b4 (a hand-written backward pass)."""
    n_layers, m = len(params) // 2, X.shape[1]
    A, cache = X, []
    for k in range(n_layers):
        Z = params[2 * k] @ A + params[2 * k + 1]
        cache.append((A, Z))
        A = np.maximum(0.0, Z) if k < n_layers - 1 else 1.0 / (1.0 + np.exp(-Z))
    dZ = A - Y  # sigmoid + cross-entropy, per example
    grads: list[np.ndarray] = []
    for k in reversed(range(n_layers)):
        A_prev, _ = cache[k]
        scale = 1.0 if missing_mean and k == 1 else 1.0 / m
        grads = [scale * dZ @ A_prev.T, np.mean(dZ, axis=1, keepdims=True)] + grads
        if k:
            dZ = (params[2 * k].T @ dZ) * (cache[k - 1][1] > 0)
    return tuple(grads)


def cost_grad_missing_mean(X, Y, *params):
    return cost_grad(X, Y, *params, missing_mean=True)


def runs_gradcheck(inputs) -> dict:
    import gradcheck

    argnums = tuple(range(2, len(inputs)))
    return {
        "one forward+backward (numpy)": lambda: (cost(*inputs), cost_grad(*inputs)),
        "gradcheck.check_grads, correct": lambda: gradcheck.check_grads(cost, inputs, grad=cost_grad, argnums=argnums),
        "gradcheck.check_grads, dW2 missing 1/m": lambda: gradcheck.check_grads(cost, inputs, grad=cost_grad_missing_mean, argnums=argnums),
    }


def runs_torch(inputs) -> dict:
    try:
        import torch
    except ImportError:
        return {}
    torch.set_num_threads(1)
    X, Y, *params = (torch.tensor(a, dtype=torch.float64) for a in inputs)
    params = [p.requires_grad_() for p in params]

    def f(*ps):
        A = X
        for k in range(len(ps) // 2):
            Z = ps[2 * k] @ A + ps[2 * k + 1]
            A = torch.relu(Z) if k < len(ps) // 2 - 1 else torch.sigmoid(Z)
        return -(Y * torch.log(A) + (1 - Y) * torch.log(1 - A)).mean()

    return {"torch.autograd.gradcheck(fast_mode=True)": lambda: torch.autograd.gradcheck(f, tuple(params), fast_mode=True)}


def runs_jax(inputs) -> dict:
    try:
        import jax
        from jax.test_util import check_grads
    except ImportError:
        return {}
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    X, Y, *params = (jnp.asarray(a) for a in inputs)

    def f(*ps):
        A = X
        for k in range(len(ps) // 2):
            Z = ps[2 * k] @ A + ps[2 * k + 1]
            A = jax.nn.relu(Z) if k < len(ps) // 2 - 1 else jax.nn.sigmoid(Z)
        return -jnp.mean(Y * jnp.log(A) + (1 - Y) * jnp.log(1 - A))

    def run():
        try:
            check_grads(f, tuple(params), order=1, modes=["rev"])
            return "passed"
        except AssertionError as exc:  # numpy.testing's message: keep the line with the relative difference
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            rel = next((line for line in lines if "relative" in line), lines[0] if lines else "")
            return "FAILED on a correct network: " + rel[:80]

    return {"jax.test_util.check_grads(order=1, modes=['rev'])": run}


def measure(runs: dict, repeat: int) -> dict[str, tuple[float, object]]:
    """Median wall times, in rounds that run every contender once (the shared machine's load
    changes from minute to minute; rounds spread it evenly), after one untimed warm-up each."""
    outs = {name: run() for name, run in runs.items()}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), outs[name]) for name in runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    inputs = make_inputs()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, numpy {np.__version__}")
    print(f"network {list(SIZES)}, m = {M}, float64; one BLAS thread (numpy, torch); medians of {repeat} rounds\n")
    results = measure(runs_gradcheck(inputs) | runs_torch(inputs) | runs_jax(inputs), repeat)
    ours = results["gradcheck.check_grads, correct"][0]
    for name, (seconds, out) in results.items():
        verdict = ("passed" if out.passed else "failed: " + ", ".join(f"{f.code} {f.target}" for f in out.findings if f.level == "error")) \
            if hasattr(out, "passed") else out if isinstance(out, str) else "passed" if out is True else ""  # fmt: skip
        print(f"{name:<52}{seconds:>9.3f} s  {seconds / ours:>6.2f} × check_grads   {verdict}")
    for name in ("torch", "jax"):
        if not any(k.startswith(name) for k in results):
            print(f"{name}: not installed, skipped")


if __name__ == "__main__":
    main()
