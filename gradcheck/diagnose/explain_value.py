"""Explain one wrong value: try the mistake catalog and the scale detector on it."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..check.compare import close
from ..errors import FormulaError
from ..spec import formula as fm
from ..spec.model import Spec
from .mutations import Context, Mutation, has_mean
from .rules import pairs, single
from .scale import Scale, classify, fit_ratio


@dataclass
class Explanation:
    mutations: list[tuple[Mutation, ...]] = field(default_factory=list)  # each fits in every trial
    mutant_text: list[str] = field(default_factory=list)
    scale: Scale | None = None
    ratios: list[float] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.mutations) or self.scale is not None

    def tags(self, limit: int = 3) -> list[str]:
        out: list[str] = []
        if self.scale is not None:
            out += list(self.scale.tags)
        for combo in self.mutations[:limit]:
            for m in combo:
                if m.tag not in out:
                    out.append(m.tag)
        return out


def context(spec: Spec, forward: bool, env: dict[str, Any] | None = None) -> Context:
    acts = {}
    for f in spec.forward:
        tree = f.tree
        if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in fm.ACTIVATIONS and tree.args:
            acts[f.name] = (tree.func.id, ast.unparse(tree.args[0]))
    arrays = tuple([v.name for v in spec.values] + [f.name for f in spec.forward] + [g.name for g in spec.backward])
    shapes = None
    if env is not None:
        shapes = {n: (np.shape(env[n]), np.asarray(env[n]).dtype.kind) for n in arrays if n in env}
    return Context(spec.batch, acts, arrays, forward, shapes)


def _evaluate(tree: ast.expr, env: dict[str, Any]) -> np.ndarray | None:
    try:
        value = fm.evaluate(tree, env)
    except FormulaError:
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr if np.all(np.isfinite(arr)) else None


def explain(
    spec: Spec,
    name: str,
    cases: list[tuple[np.ndarray, dict[str, Any], int, float]],
    per_example: bool,
    forward: bool,
    try_pairs: bool = True,
    hidden: tuple[str, ...] = (),
) -> Explanation:
    """``cases``: (student value, env the formula is evaluated in, batch size, rtol) per trial.

    ``hidden``: intermediates the student computed but did not hand back (dZ3 inside
    L_model_backward), nearest first; a mistake in one of them is found by mutating its
    formula and recomputing ``name`` from it.
    """
    out = Explanation()
    formula = spec.formula_for(name)
    if formula is None or not cases:
        return out
    # The scale detector: one constant factor relating the student's value to the reference.
    ratios = []
    for got, env, _, rtol in cases:
        ref = _evaluate(formula.tree, env)
        c = fit_ratio(got, ref, rtol) if ref is not None and ref.shape == np.shape(got) else None
        if c is None:
            ratios = []
            break
        ratios.append(c)
    if ratios:
        out.ratios = ratios
        # A factor that is one of the spec's own numbers (keep_prob, p) says more than "0.7".
        out.scale = _factor_of_a_value(spec, name, ratios, cases) or classify(
            ratios, [m for _, _, m, _ in cases], per_example, spec.shown(name), spec.batch, has_mean(formula.tree, spec.batch)
        )
    known = [(Mutation(f"spec:{i}", m.tag, m.text, m.fix), m.formula.tree) for i, m in enumerate(spec.mistakes.get(name, ()))]
    if known:  # the spec author's own list of classic mistakes for this value comes first
        out.mutations, out.mutant_text = _search(known, cases, wrap=lambda m: (m,), atol=spec.atol.get(name, 0.0))
        if out.mutations:
            return out
    ctx = context(spec, forward, cases[0][1])
    out.mutations, out.mutant_text = _search(single(formula.tree, ctx), cases, wrap=lambda m: (m,))
    if not out.mutations and out.scale is None and hidden:
        out.mutations, out.mutant_text = _search_hidden(spec, name, formula, hidden, cases, ctx)
    if not out.mutations and out.scale is None and try_pairs:
        out.mutations, out.mutant_text = _search(pairs(formula.tree, ctx), cases, wrap=lambda ms: ms)
    return out


def _factor_of_a_value(spec: Spec, name: str, ratios: list[float], cases) -> Scale | None:
    """A factor equal to one of the spec's plain-number values (keep_prob, lambd) in every trial."""
    first_env = cases[0][1]
    candidates = [v.name for v in spec.values] + [f.name for f in spec.forward]
    scalars = [n for n in candidates if n in first_env and np.ndim(first_env[n]) == 0 and n != name]
    for v in scalars:
        values = [float(np.asarray(env.get(v, np.nan))) for _, env, _, _ in cases]
        if not all(np.isfinite(values)) or any(x == 0 for x in values):
            continue
        if all(abs(c - x) <= 1e-6 * abs(x) for c, x in zip(ratios, values)):
            return Scale(
                ("wrong-scale",), v, f"{spec.shown(name)} is {v} times the reference: a division by {v} is missing", f"divide by {v}"
            )
        if all(abs(c * x - 1) <= 1e-6 for c, x in zip(ratios, values)):
            return Scale(
                ("wrong-scale",), f"1/{v}", f"{spec.shown(name)} is divided by {v} once too often", f"remove the extra division by {v}"
            )
    return None


def _search(candidates, cases, wrap, atol: float = 0.0) -> tuple[list[tuple[Mutation, ...]], list[str]]:
    found: list[tuple[Mutation, ...]] = []
    texts: list[str] = []
    seen: set[str] = set()
    for muts, tree in candidates:
        combo = wrap(muts)
        text = ast.unparse(tree)
        if text in seen:
            continue
        seen.add(text)
        ok = True
        for got, env, _, rtol in cases:
            value = _evaluate(tree, env)
            if value is None or not close(got, value, rtol, atol):
                ok = False
                break
        if ok:
            found.append(combo)
            texts.append(text)
    return found, texts


def _search_hidden(spec: Spec, name: str, formula, hidden: tuple[str, ...], cases, ctx) -> tuple[list[tuple[Mutation, ...]], list[str]]:
    """Mutate each hidden intermediate, recompute the chain down to ``name``, compare."""
    order = [f.name for f in (*spec.forward, *(g.formula for g in spec.backward), *spec.derived)]
    for h in hidden:
        h_formula = spec.formula_for(h)
        if h_formula is None or h not in order:
            continue
        chain = [spec.formula_for(u) for u in order[order.index(h) + 1 :] if u in hidden and u != name]
        found: list[tuple[Mutation, ...]] = []
        texts: list[str] = []
        for mutation, tree in single(h_formula.tree, ctx):
            ok = True
            for got, env, _, rtol in cases:
                env2 = dict(env)
                value = _evaluate(tree, env2)
                if value is None:
                    ok = False
                    break
                env2[h] = value
                for f in chain:
                    if f is not None:
                        recomputed = _evaluate(f.tree, env2)
                        if recomputed is not None:
                            env2[f.name] = recomputed
                final = _evaluate(formula.tree, env2)
                if final is None or not close(got, final, rtol):
                    ok = False
                    break
            if ok:
                where = Mutation(
                    f"in:{h}:{mutation.key}",
                    mutation.tag,
                    f"in {spec.shown(h)}, which your code computes along the way, {mutation.text}",
                    mutation.fix,
                    data=mutation.data,
                )
                found.append((where,))
                texts.append(f"{h} := {ast.unparse(tree)}")
        if found:
            return found, texts
    return [], []
