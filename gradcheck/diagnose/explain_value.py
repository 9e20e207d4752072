"""Explain one wrong value: try the mistake catalog and the scale detector on it."""

from __future__ import annotations

import ast
import copy
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..check.compare import close
from ..errors import FormulaError
from ..spec import formula as fm
from ..spec.model import Spec
from .mutations import Context, Mutation, has_mean
from .rules import pairs, single
from .scale import Scale, classify, fit_ratio
from .term_rules import l2_strength


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
    dims = {d.name for d in spec.dims}
    scalars = tuple(n for n in arrays if shapes and n in shapes and shapes[n][0] == () and n not in dims)
    ctx = Context(spec.batch, acts, arrays, forward, shapes, masks(spec), scalars, tuple(spec.parameters))
    return replace(ctx, l2=l2_strengths(spec, ctx), constants=tuple(unnamed_constants(spec).items()))


def unnamed_constants(spec: Spec) -> dict[str, float]:
    """The spec's plain-number forward values that students never see by name (not renamed by
    ``names:``, not an argument): l2_scale, set by a convention."""
    args = {a for f in spec.functions for a in spec.arg_names(f)}
    return {
        f.name: f.tree.value
        for f in spec.forward
        if isinstance(f.tree, ast.Constant) and isinstance(f.tree.value, int | float) and f.name not in spec.names and f.name not in args
    }


def l2_strengths(spec: Spec, ctx: Context) -> tuple[str, ...]:
    """The scalars that weigh an L2 term somewhere in the spec (lambd, reg)."""
    found: set[str] = set()
    for f in (*spec.forward, *(g.formula for g in spec.backward)):
        for node in ast.walk(f.tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and (lam := l2_strength(node.right, ctx)):
                found.add(lam)
    return tuple(sorted(found))


def masks(spec: Spec) -> tuple[str, ...]:
    """The dropout masks: values a student draws (``free``) in some graded function."""
    return tuple(sorted({m for f in spec.functions for m in f.free}))


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
        out.scale = (
            _factor_of_a_value(spec, name, ratios, cases)
            or _batch_from_wrong_axis(spec, name, ratios, cases)
            or classify(ratios, [m for _, _, m, _ in cases], per_example, spec.shown(name), spec.batch, has_mean(formula.tree, spec.batch))
        )
    known = [(Mutation(f"spec:{i}", m.tag, m.text, m.fix), m.formula.tree, ast.unparse(m.formula.tree))
             for i, m in enumerate(spec.mistakes.get(name, ()))]
    if known:  # the spec author's own list of classic mistakes for this value comes first
        out.mutations, out.mutant_text = _search(known, cases, wrap=lambda m: (m,), atol=spec.atol.get(name, 0.0))
        if out.mutations:
            out.scale = None  # the author's words for this very value say more than "a factor 2"
            return out
    g = spec.gradient(name)
    ctx = replace(context(spec, forward, cases[0][1]), wrt=g.wrt if g is not None else "", name=name)
    tree = with_loss(spec, formula.tree)
    out.mutations, out.mutant_text = _search(mutants("single", tree, ctx), cases, wrap=lambda m: (m,))
    if not out.mutations and out.scale is None and hidden:
        out.mutations, out.mutant_text = _search_hidden(spec, name, formula, hidden, cases, ctx)
    if not out.mutations and out.scale is None and try_pairs:
        out.mutations, out.mutant_text = _search(mutants("pairs", tree, ctx), cases, wrap=lambda ms: ms)
    return out


def with_loss(spec: Spec, tree: ast.expr) -> ast.expr:
    """The cost's formula with the per-example loss L written out, so that the mistakes in the
    loss's own terms (one of them missing, the two log terms swapped) can be named."""
    if spec.loss is None or "L" not in fm.names(tree):
        return tree

    class _Inline(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return copy.deepcopy(spec.loss.tree) if node.id == "L" else node

    return _Inline().visit(copy.deepcopy(tree))


def _factor_of_a_value(spec: Spec, name: str, ratios: list[float], cases) -> Scale | None:
    """A factor equal to one of the spec's plain-number values (keep_prob, lambd) in every trial."""
    first_env = cases[0][1]
    candidates = [v.name for v in spec.values] + [f.name for f in spec.forward]
    scalars = [n for n in candidates if n in first_env and np.ndim(first_env[n]) == 0 and n != name]
    for v in scalars:
        values = [float(np.asarray(env.get(v, np.nan))) for _, env, _, _ in cases]
        if not all(np.isfinite(values)) or any(x == 0 for x in values):
            continue
        # A factor of keep_prob where a dropout mask is in play is dropout's 1/keep_prob.
        drop = ("dropout-scale",) if _mentions_mask(spec, name) else ()
        shown_v = spec.shown(v)
        if all(abs(c - x) <= 1e-6 * abs(x) for c, x in zip(ratios, values)):
            return Scale(
                (*drop, "wrong-scale"),
                shown_v,
                f"{spec.shown(name)} is {shown_v} times the reference: a division by {shown_v} is missing",
                f"divide by {shown_v}",
            )
        if all(abs(c * x - 1) <= 1e-6 for c, x in zip(ratios, values)):
            return Scale(
                (*drop, "wrong-scale"),
                f"1/{shown_v}",
                f"{spec.shown(name)} is divided by {shown_v} once too often",
                f"remove the extra division by {shown_v}",
            )
    return None


def _mentions_mask(spec: Spec, name: str) -> bool:
    formula = spec.formula_for(name)
    return formula is not None and bool(fm.names(formula.tree) & set(masks(spec)))


def _batch_from_wrong_axis(spec: Spec, name: str, ratios: list[float], cases) -> Scale | None:
    """The value is divided by another size instead of by m (``m = X.shape[0]``, ``dZ.shape[0]``):
    the ratio is m/d for one other dimension d in every trial, and is not one constant."""
    m = spec.batch
    if len(ratios) < 2 or all(abs(c - ratios[0]) <= 1e-6 * abs(ratios[0]) for c in ratios):
        return None
    for d in (d.name for d in spec.dims if d.name != m):
        sizes = [(env.get(m), env.get(d)) for _, env, _, _ in cases]
        if any(
            not isinstance(b, int | np.integer) or not isinstance(n, int | np.integer) or n <= 1 for b, n in sizes
        ):  # n = 1 (one output unit) is a missing 1/m
            continue
        if all(abs(c - b / n) <= 1e-6 * abs(b / n) for c, (b, n) in zip(ratios, sizes)):
            return Scale(
                ("m-wrong-axis",),
                f"{m}/{d}",
                f"{spec.shown(name)} is divided by {d} instead of by {m}: the number of examples {m} is read from the wrong axis "
                f"(an array's shape[0] is {d}, its number of rows)",
                f"{m} is the number of examples: read it from the axis that counts them (X.shape[1] in the course's (features, examples) layout)",
            )
    return None


_KEPT: dict[str, OrderedDict] = {"single": OrderedDict(), "pairs": OrderedDict()}
_KEEP = {"single": 256, "pairs": 8}  # a pairs list holds up to 4000 trees


def mutants(kind: str, tree: ast.expr, ctx: Context) -> tuple[tuple[Any, ast.expr, str], ...]:
    """``single`` or ``pairs`` of ``tree``, each with its text, kept by the formula and the
    context they depend on alone: in a class's batch every wrong value of one name is searched
    among the same mutants, so they are made once (read only: nothing changes a tree)."""
    kept = _KEPT[kind]
    key = (ast.dump(tree), repr(ctx))
    found = kept.get(key)
    if found is None:
        made = single(tree, ctx) if kind == "single" else pairs(tree, ctx)
        found = tuple((muts, t, ast.unparse(t)) for muts, t in made)
        kept[key] = found
        while len(kept) > _KEEP[kind]:
            kept.popitem(last=False)
    return found


def _search(candidates, cases, wrap, atol: float = 0.0) -> tuple[list[tuple[Mutation, ...]], list[str]]:
    """``candidates``: (mutations, tree, its text)."""
    found: list[tuple[Mutation, ...]] = []
    texts: list[str] = []
    seen: set[str] = set()
    for muts, tree, text in candidates:
        combo = wrap(muts)
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
    """Mutate each hidden intermediate (its spec mistakes, then the catalog), recompute the chain down to ``name``, compare."""
    order = [f.name for f in (*spec.forward, *(g.formula for g in spec.backward), *spec.derived)]
    for h in hidden:
        h_formula = spec.formula_for(h)
        if h_formula is None or h not in order:
            continue
        chain = [spec.formula_for(u) for u in order[order.index(h) + 1 :] if u in hidden and u != name]
        found: list[tuple[Mutation, ...]] = []
        texts: list[str] = []
        seen: set[str] = set()
        # the spec's own classic mistakes of the intermediate first (tanh′ at prev_h inside dtanh), then the catalog's
        known = [(Mutation(f"spec:{h}:{i}", m.tag, m.text, m.fix), m.formula.tree, ast.unparse(m.formula.tree))
                 for i, m in enumerate(spec.mistakes.get(h, ()))]
        for mutation, tree, text in [*known, *mutants("single", h_formula.tree, replace(ctx, name=h))]:
            if text in seen:  # one mutant, reached by two rules: the earlier rule names it
                continue
            seen.add(text)
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
