"""Seeded trials: sizes, inputs, and the reference computation on them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import FormulaError, SpecError
from ..spec import formula as fm
from ..spec.dims import derived_size
from ..spec.model import Dim, Probe, Spec, ValueGen
from . import drawn, fd
from .background import Background
from .compare import compare
from .templates import leaves


@dataclass
class Trial:
    index: int
    dims: dict[str, int]
    env: dict[str, Any]  # every reference value by name: dims, values, forward, L, J, gradients
    probe: Probe | None = None
    notes: list[str] = field(default_factory=list)
    spec: Spec | None = None  # a depth probe's own spec (the families written out for its depth)
    pending: Background | None = field(default=None, repr=False)  # the reference being computed (make_trials(background=True))
    seed: int | None = None  # the --seed it was drawn from (check trials of the same submission are drawn from it too)
    shown: frozenset[str] | None = None  # the dims its label names (None: all)

    def complete(self) -> Trial:
        """Wait for the reference values computed in the background (re-raising its error)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.env.update(pending.get())
        return self

    @property
    def label(self) -> str:
        return self.label_with(lambda k, v: f"{k}={v}")

    def label_with(self, size: Callable[[str, int], str]) -> str:
        """``trial 1 (...)`` with each shown dim ``k`` of size ``v`` written ``size(k, v)``."""
        sizes = ", ".join(size(k, v) for k, v in self.dims.items() if self.shown is None or k in self.shown)
        if self.probe is not None and self.probe.depth is not None:
            sizes = f"L={self.probe.depth}, {sizes}"
        kind = "probe" if self.probe else "trial"
        return f"{kind} {self.index + 1} ({sizes})"


def _draw_dims(spec: Spec, rng: np.random.Generator, fixed: dict[str, int], avoid: set[tuple], k: int = 0) -> dict[str, int]:
    """Draw sizes, preferring pairwise-distinct ones: equal sizes hide transposes.

    A ``per_trial`` dim takes its item for trial ``k``, a ``formula`` dim is computed from the
    dims above it; neither counts towards distinctness (a stride of 1 may equal m = 1)."""
    best: dict[str, int] = {}
    for attempt in range(200):
        dims: dict[str, int] = {}
        for d in spec.dims:
            if d.per_trial or d.formula is not None:
                dims[d.name] = fixed[d.name] if d.name in fixed else d.per_trial[k % len(d.per_trial)] if d.per_trial else _derived(spec, d, dims)
            else:
                dims[d.name] = fixed.get(d.name, int(rng.integers(d.low, d.high + 1)))
        free = [v for d, v in dims.items() if _drawn(spec_dim(spec, d)) or d in fixed]
        key = tuple(dims.values())
        distinct = len(set(free)) == len(free) and key not in avoid
        if distinct or attempt == 199:
            best = dims
            break
    avoid.add(tuple(best.values()))
    return best


def label_dims(spec: Spec) -> frozenset[str]:
    """The dims the spec's functions use, through the values their arguments and results are
    built from: a trial's label names only these (a version of a spec with many layers, such as
    CS231n's assignment-1 layers, is not told the sizes of the convolutions it does not have)."""
    dims = {d.name: d for d in spec.dims}
    shapes = {v.name: v.shape for v in spec.values}
    formulas = {f.name: f for f in spec.formulas if f is not None}
    todo = [n for f in spec.functions for t in (*f.args, f.returns) for n in leaves(t)]
    todo += [n for f in spec.functions for c in f.checks for t in (*c.args, c.returns, c.after) if t is not None for n in leaves(t)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [s for s in shapes.get(name, ()) if isinstance(s, str)]
        formula = dims[name].formula if name in dims else formulas.get(name)
        todo += sorted(fm.names(formula.tree)) if formula is not None else []
        if (g := spec.gradient(name)) is not None:
            todo.append(g.wrt)
    return frozenset(seen & set(dims))


def spec_dim(spec: Spec, name: str):
    return next(d for d in spec.dims if d.name == name)


def _drawn(d: Dim) -> bool:
    return d.low != d.high and not d.per_trial and d.formula is None


def _derived(spec: Spec, d: Dim, dims: dict[str, int]) -> int:
    try:
        return derived_size(d, dims)
    except (FormulaError, ValueError) as exc:
        raise SpecError(str(exc), _file(spec), d.formula.line if d.formula else None) from None


PARALLEL_DRAW = 1 << 20  # entries from which a normal draw is split over two threads


def _normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal entries; a big array (a cat-size X) in two halves drawn at once by two
    generators seeded from ``rng`` (numpy releases the GIL while drawing): half the time."""
    n = int(np.prod(shape, dtype=np.int64))
    if n < PARALLEL_DRAW:
        return rng.standard_normal(shape)
    first, second = (np.random.default_rng(int(k)) for k in rng.integers(0, 2**63, size=2))  # (Generator.spawn needs numpy 1.25)
    out = np.empty(n)
    half = n // 2
    helper = Background(lambda: second.standard_normal(out=out[half:]))
    first.standard_normal(out=out[:half])
    helper.get()
    return out.reshape(shape)


def _generate(gen: ValueGen, dims: dict[str, int], rng: np.random.Generator) -> np.ndarray:
    shape = tuple(dims[s] if isinstance(s, str) else int(s) for s in gen.shape)
    if isinstance(gen.scale, str):
        gen = ValueGen(gen.name, gen.shape, gen.init, float(fm.evaluate(fm.parse(gen.scale), dict(dims))), gen.classes)
    if gen.init == "normal":
        out = _normal(rng, shape)
        if gen.scale != 1.0:
            out *= gen.scale  # in place: at cat size X is 20 MB
        return out
    if gen.init == "uniform":
        return rng.uniform(-1.0, 1.0, shape) * gen.scale
    if gen.init == "positive":
        return (np.abs(rng.standard_normal(shape)) + 0.5) * gen.scale
    if gen.init == "bernoulli":
        out = (rng.uniform(size=shape) < 0.5).astype(np.float64)
        out.reshape(-1)[0], out.reshape(-1)[-1] = 0.0, 1.0  # both classes present
        return out
    if gen.init == "labels":
        k = dims[gen.classes] if isinstance(gen.classes, str) else int(gen.classes or 2)
        return rng.integers(0, k, size=shape).astype(np.int64)
    if gen.init == "mask":  # booleans, as a sequence mask: mostly true, and both values present
        out = rng.uniform(size=shape) < 0.75
        out.reshape(-1)[0], out.reshape(-1)[-1] = True, False
        return out
    if gen.init == "zeros":
        return np.zeros(shape)
    return np.ones(shape)


def evaluate_reference(spec: Spec, env: dict[str, Any], upto: str | None = None) -> dict[str, Any]:
    """Run forward, loss, cost and backward formulas in order (stopping after ``upto``)."""
    env = dict(env)
    for f in spec.formulas:
        if f.name in env and f.name != upto and _is_override(env, f.name):
            continue
        try:
            env[f.name] = fm.evaluate(f.tree, env)
        except FormulaError as exc:
            raise SpecError(f"formula for '{f.name}' fails: {exc}", _file(spec), f.line) from None
        if f.name == upto:
            break
    return env


def _is_override(env: dict[str, Any], name: str) -> bool:
    return name in env.get("__overrides__", ())


def _file(spec: Spec) -> str | None:
    return str(spec.path) if spec.path else None


def make_trials(spec: Spec, seed: int, sizes: dict[str, int] | None = None, only_first: bool = False,
                background: bool = False) -> list[Trial]:  # fmt: skip
    """The spec's trials plus its probes, all drawn from ``seed``.

    ``sizes`` fixes dims (checking the network a student actually trains): one trial, no probes.
    ``only_first``: trial 1 alone (the same as in the full list). ``background``: the inputs
    at once and the reference values on a helper thread (numpy releases the GIL), so the
    student's first calls can run meanwhile; ``Trial.complete()`` waits for them.
    """
    probes: list[Probe | None] = [None] * spec.trials + [p for p in spec.probes if p.depth is None]
    if only_first:
        probes = probes[:1]
    if sizes:
        unknown = sorted(set(sizes) - {d.name for d in spec.dims})
        if unknown:
            raise SpecError(f"unknown size(s) {', '.join(unknown)}; this assignment's sizes are {', '.join(d.name for d in spec.dims)}", _file(spec))
        probes = [Probe(dict(sizes), tuple(f.name for f in spec.functions))]
    depth = [p for p in spec.probes if p.depth is not None] if not sizes and not only_first else []
    key = drawn.key(spec, seed, probes, depth, background)
    found = drawn.get(key)
    if found is None:
        found = _draw_all(spec, seed, probes, depth, background)
        drawn.put(key, found)
    shown = label_dims(spec)
    trials = []
    for k, (probe, each) in enumerate(zip([*probes, *depth], found)):
        if k < len(probes):
            trials.append(Trial(k, dict(each.dims), dict(each.env), None if sizes else probe, seed=seed, shown=shown, pending=each.pending))
        else:  # a depth probe: its own spec, all its sizes named
            trials.append(Trial(k, dict(each.dims), dict(each.env), probe, spec=each.spec))
    return trials


def _draw_all(spec: Spec, seed: int, probes: list[Probe | None], depth: list[Probe], background: bool) -> list[drawn.Drawn]:
    """Every trial's sizes, inputs and reference values (``background``: the reference on a
    helper thread), each array read-only: they may be lent to later grades (drawn.py)."""
    out = []
    avoid: set[tuple] = set()
    for k, probe in enumerate(probes):
        rng = np.random.default_rng([seed, k])
        dims = _draw_dims(spec, rng, dict(probe.dims) if probe else {}, avoid, k)
        env: dict[str, Any] = dict(dims)
        for gen in spec.values:
            env[gen.name] = _generate(gen, dims, rng)
        drawn.freeze(env)
        if background:
            out.append(drawn.Drawn(dims, env, pending=Background(lambda env=env, k=k: drawn.freeze(_reference(spec, env, k)))))
        else:
            out.append(drawn.Drawn(dims, drawn.freeze(_reference(spec, env, k))))
    for probe in depth:
        out.append(_depth_trial(spec, probe, seed, len(out)))
    return out


def _reference(spec: Spec, inputs: dict[str, Any], k: int) -> dict[str, Any]:
    env = evaluate_reference(spec, inputs)
    for name, value in list(env.items()):
        if isinstance(value, np.ndarray) and not np.all(np.isfinite(value)):
            raise SpecError(f"the reference value '{name}' is not finite in trial {k + 1}", _file(spec))
    return env


def _depth_trial(spec: Spec, probe: Probe, seed: int, index: int) -> drawn.Drawn:
    """One trial of the same assignment with another number of layers (its families written out again)."""
    from ..spec.loader import parse_spec

    other = parse_spec(spec.text, _file(spec) or "<spec>", base=spec.path.parent if spec.path else None, depth=probe.depth)
    unknown = sorted(set(probe.dims) - {d.name for d in other.dims})
    if unknown:
        raise SpecError(f"the probe with depth {probe.depth} fixes unknown size(s) {', '.join(unknown)}", _file(spec))
    rng = np.random.default_rng([seed, 1000 + index])
    dims = _draw_dims(other, rng, dict(probe.dims), set(), index)
    env: dict[str, Any] = dict(dims)
    for gen in other.values:
        env[gen.name] = _generate(gen, dims, rng)
    return drawn.Drawn(dims, drawn.freeze(evaluate_reference(other, env)), spec=other)


def reference_problems(spec: Spec, trial: Trial) -> list[tuple[str, str]]:
    """Check the reference gradients against finite differences of the reference cost.

    dW-style gradients must equal dJ/dW; per-example ones (dZ) must equal m · dJ/dZ.
    """
    problems = []
    m = trial.dims[spec.batch]
    for grad in spec.backward:
        wrt = grad.wrt
        value = trial.env[wrt]
        numeric = fd.numeric_gradient(_cost_of(spec, trial, wrt), value)
        if grad.per_example:
            numeric = numeric * m
        analytic = np.asarray(trial.env[grad.name], dtype=np.float64)
        if analytic.shape != np.shape(value):
            problems.append((grad.name, f"'{grad.name}' has shape {np.shape(trial.env[grad.name])} but '{wrt}' has {np.shape(value)}"))
            continue
        result = compare(analytic, numeric, spec.tolerance.for_dtype("float64", fd=True))
        if not result.ok:
            scaled = " (scaled by m: it is per example)" if grad.per_example else ""
            problems.append((grad.name,
                f"reference '{grad.name}' disagrees with finite differences of J{scaled}: "
                f"max relative error {result.max_rel:.2g}"
            ))  # fmt: skip
    return problems


def _cost_of(spec: Spec, trial: Trial, wrt: str):
    """J as a function of the value ``wrt``, recomputing only the formulas that depend on it
    (the others keep the trial's reference values): a finite difference through one layer of
    a many-layer spec, such as the conv spec's pooling input, costs that layer alone."""
    formulas = []
    for f in spec.formulas:
        formulas.append(f)
        if f.name == "J":
            break
    needed = {"J"}  # what J reads, directly or through other formulas
    for f in reversed(formulas):
        if f.name in needed:
            needed |= fm.names(f.tree)
    depends, todo = {wrt}, []
    for f in formulas:
        if f.name != wrt and fm.names(f.tree) & depends:  # a forward value wrt is overridden, not recomputed
            depends.add(f.name)
            if f.name in needed:
                todo.append(f)

    def cost(x: np.ndarray) -> float:
        env = dict(trial.env)
        env[wrt] = x
        for f in todo:
            try:
                env[f.name] = fm.evaluate(f.tree, env)
            except FormulaError as exc:
                raise SpecError(f"formula for '{f.name}' fails: {exc}", _file(spec), f.line) from None
        return float(env["J"])

    return cost
