"""What an inverse edit may know from the spec, in the student's names: each value's formula, the
regularization strengths, and the spec author's own mistakes turned into edit kinds.

A finding names values as the student knows them (dA2, dA_prev); the spec's internal names
(dA2_drop, dA_prev_avg) are found through the function whose check produced the finding.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace

from ..diagnose.explain_value import context, l2_strengths
from ..findings import Finding, Mistake
from ..spec import pyast
from ..spec.model import Spec
from .known_more import BY_KIND, rewrite, translate_more
from .seq_known import seq_translated
from .term_edits import Known


def _leaves(x) -> Iterator[tuple[str | None, str]]:
    """(the key a dict gives it, or None; the spec name) for every name in an args/returns template."""
    if isinstance(x, str):
        yield None, x
    elif isinstance(x, dict):
        for k, v in x.items():
            for _, leaf in _leaves(v):
                yield (k if isinstance(v, str) else None), leaf
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _leaves(v)


def _function(spec: Spec, f: Finding):
    name = (f.check or "").split(":")[0]
    return next((fn for fn in spec.functions if fn.name == name), None)


def _namer(spec: Spec, f: Finding):
    """Spec name -> the student's: a hyperparameter read from a dict by its key (pf is f of
    {stride: pstride, f: pf}), else the spec's ``names``."""
    fn = _function(spec, f)
    keys = {leaf: key for key, leaf in _leaves(fn.args) if key is not None and key.isidentifier()} if fn is not None else {}

    def shown(text: str) -> str:
        tree = pyast.parse(text, mode="eval")
        for n in ast.walk(tree):
            if isinstance(n, ast.Name) and n.id in keys:
                n.id = keys[n.id]
        return spec.shown_text(ast.unparse(tree))

    return shown


def internal(spec: Spec, f: Finding, name: str) -> str | None:
    """The spec's name for what the student calls ``name``, preferring the finding's own function."""
    fn = _function(spec, f)
    own = [leaf for _, leaf in _leaves(fn.returns)] if fn is not None else []
    names = getattr(spec, "names", None) or {}
    found = [n for n in [*own, *names, name] if (names.get(n, n) == name) and spec.formula_for(n) is not None]
    return found[0] if found else None


def known_for(spec: Spec, f: Finding) -> Known:
    scalars = tuple(v.name for v in spec.values if tuple(v.shape) == ())
    l2 = l2_strengths(spec, replace(context(spec, False), scalars=scalars))
    shown = _namer(spec, f)

    def define(name: str) -> str | None:
        spec_name = internal(spec, f, name)
        formula = spec.formula_for(spec_name) if spec_name else None
        return shown(formula.text) if formula is not None else None

    return Known(spec.batch, tuple(spec.shown(n) for n in l2), define)


def translated(spec: Spec, f: Finding, m: Mistake) -> Mistake:
    """A spec author's mistake (kind ``spec``, its index) as an edit kind: the stride left out
    (tag stride-ignored), a sum assigned where it accumulates (not-accumulated), or the reference
    times a factor (``ref * pf * pf``: divide by f * f)."""
    if m.kind in BY_KIND:  # a mode's name, the correct class: known_more reads the spec
        return translate_more(spec, _function(spec, f), internal(spec, f, m.within or f.target), m) or m
    if m.kind == "spec" and (seq := seq_translated(spec, f, m, internal(spec, f, f.target))) is not None:  # seq_known.py
        return seq
    if m.kind != "spec" or not m.args or not m.args[0].isdigit():
        return m
    name = internal(spec, f, f.target)
    listed = getattr(spec, "mistakes", {}).get(name, ()) if name else ()
    if int(m.args[0]) >= len(listed):
        return m
    wrong = listed[int(m.args[0])]
    if (more := translate_more(spec, _function(spec, f), name, m, wrong)) is not None:
        return more
    if m.tag == "stride-ignored":
        return Mistake("stride", m.tag)
    if m.tag == "not-accumulated":
        return Mistake("accumulate", m.tag)
    reference = spec.formula_for(name)
    tree = wrong.formula.tree
    factors: list[ast.expr] = []
    op = None
    while isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Mult, ast.Div)) and reference is not None:
        this = "*" if isinstance(tree.op, ast.Mult) else "/"
        if op not in (None, this):
            break
        op = this
        factors.insert(0, tree.right)
        tree = tree.left
        if ast.dump(tree) == ast.dump(reference.tree):
            factor = " * ".join(ast.unparse(x) for x in factors)
            return Mistake("factor", m.tag, (_namer(spec, f)(factor),), (op,))
    return rewrite(spec, name, m, wrong, _namer(spec, f))
