"""The spec author's mistakes on the sequence models (an RNN's and an LSTM's backward over time,
their cells, a masked loss, an embedding) as edit kinds that ``edits_seq.py`` knows how to undo.

A mistake of kind ``spec`` names one of the author's wrong formulas (``"1"``: the target's
second, ``"ldc:0"``: the first of the intermediate ``ldc``). What the edit needs is read from
that formula and the reference: the one place where the two differ (a gate's name, a missing
factor or term, a derivative written as the gate itself, the order of a stack), in numpy and the
spec's names (``verify.students`` turns them into the student's). Pure: nothing here runs.
"""

from __future__ import annotations

import ast

from ..findings import Finding, Mistake
from ..spec.model import Spec

# Mistakes undone by the loop's structure, not by a formula: the kind and nothing else.
_STRUCTURAL = {"time-carry-missing": "carry", "upstream-not-added": "upstream", "repeated-index": "add-at"}
_BY_DIFF = ("wrong-gate", "missing-term", "missing-activation-derivative", "derivative-at-wrong-point", "wrong-scale")
_NUMPY = ("tanh", "exp", "log", "sum", "square", "sqrt", "expand_dims", "maximum", "hstack", "vstack", "concatenate")
_PRIMES = {"tanh_prime": "tanh", "sigmoid_prime": "sigmoid"}


def seq_translated(spec: Spec, f: Finding, m: Mistake, target: str | None) -> Mistake | None:
    """The edit kind for one of the author's mistakes named by a tag this module knows, else None
    (``known.translated`` goes on with its own). ``target``: the spec's name for the finding's value."""
    if m.kind != "spec" or not m.args or (m.tag not in _STRUCTURAL and m.tag not in _BY_DIFF and m.tag != "mask-ignored"):
        return None
    pair = _formulas(spec, target, m.args[0])
    if pair is None:
        return None
    reference, wrong = pair
    if m.tag in _STRUCTURAL:
        return Mistake(_STRUCTURAL[m.tag], m.tag, within=m.within)
    if m.tag == "mask-ignored":
        return _mask(spec, reference, wrong, m)
    diff = _diff(reference, wrong)
    return _from_diff(spec, diff, m) if diff is not None else None


def _formulas(spec: Spec, target: str | None, arg: str) -> tuple[ast.expr, ast.expr] | None:
    """(the reference's tree, the wrong formula's tree) of ``"2"`` (the target's) or ``"ldc:0"``."""
    name, _, index = arg.rpartition(":")
    name = name or target or ""
    listed = getattr(spec, "mistakes", {}).get(name, ())
    reference = spec.formula_for(name) if name else None
    if not index.isdigit() or int(index) >= len(listed) or reference is None:
        return None
    return reference.tree, listed[int(index)].formula.tree


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def _diff(ref: ast.AST, wrong: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """The one place where two formulas differ, as (the reference's part, the mistake's): the
    smallest pair of subtrees outside of which both are the same."""
    if _same(ref, wrong):
        return None
    if type(ref) is not type(wrong) or isinstance(ref, ast.Name):
        return ref, wrong
    parts: list[tuple[ast.AST, ast.AST]] = []
    for (_, a), (_, b) in zip(ast.iter_fields(ref), ast.iter_fields(wrong)):
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            parts += [(x, y) for x, y in zip(a, b) if isinstance(x, ast.AST) and isinstance(y, ast.AST) and not _same(x, y)]
        elif isinstance(a, ast.AST) and isinstance(b, ast.AST):
            parts += [(a, b)] if not _same(a, b) else []
        elif a != b:
            return ref, wrong
    return _diff(*parts[0]) if len(parts) == 1 else (ref, wrong)


def _from_diff(spec: Spec, diff: tuple[ast.AST, ast.AST], m: Mistake) -> Mistake | None:
    r, w = diff
    if isinstance(r, ast.Call) and isinstance(w, ast.Call) and _same(r.func, w.func):
        order = _permutation(r.args, w.args)
        return Mistake("permute", m.tag, data=tuple(map(str, order)), within=m.within) if order else None
    if isinstance(r, ast.BinOp) and isinstance(r.op, (ast.Mult, ast.Add)):
        for same, other, side in ((r.left, r.right, "right"), (r.right, r.left, "left")):
            if _same(same, w) and (form := numpy_form(spec, other)) is not None:
                kind = "times" if isinstance(r.op, ast.Mult) else "plus"
                return Mistake(kind, m.tag, (form,), (side,), m.within)
    if isinstance(w, ast.BinOp) and isinstance(w.op, ast.Mult):  # / (N * T) where / N belongs
        for same, extra in ((w.left, w.right), (w.right, w.left)):
            if _same(same, r) and isinstance(extra, ast.Name):
                return Mistake("drop-factor", m.tag, (extra.id,), within=m.within)
    return _swap(spec, r, w, m)


def _swap(spec: Spec, r: ast.AST, w: ast.AST, m: Mistake) -> Mistake | None:
    """A name where another value belongs: the gate ft for it, the gate o for its derivative
    o * (1 - o), dc_next for the whole dc_total, a derivative taken at prev_h instead of next_h."""
    prime = _prime(r)
    if isinstance(w, ast.Name):
        right = r.id if isinstance(r, ast.Name) else ""
        formula = spec.formula_for(right) if right else None
        form = numpy_form(spec, formula.tree if formula is not None else r)
        return Mistake("swap-in", m.tag, (w.id, right, form or ""), within=m.within) if right or form else None
    if prime is not None and (act := activation_of(spec, *prime)):  # 1 - square(prev_h) for tanh_prime(a)
        data = _data_names(w) - {prime[1]}
        if len(data) == 1:
            return Mistake("swap-in", m.tag, (data.pop(), act, act), within=m.within)
    return None


def _permutation(ref: list[ast.expr], wrong: list[ast.expr]) -> list[int] | None:
    """For each of the reference's arguments, where the mistake has it (every one exactly once)."""
    if len(ref) == 1 and len(wrong) == 1 and isinstance(ref[0], (ast.Tuple, ast.List)) and isinstance(wrong[0], (ast.Tuple, ast.List)):
        ref, wrong = ref[0].elts, wrong[0].elts
    dumps = [ast.dump(x) for x in wrong]
    order = [dumps.index(ast.dump(x)) if ast.dump(x) in dumps else -1 for x in ref]
    return order if len(ref) == len(wrong) > 1 and sorted(order) == list(range(len(ref))) and order != sorted(order) else None


def _prime(node: ast.AST) -> tuple[str, str] | None:
    """tanh_prime(a_s) -> ("tanh", "a_s")."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _PRIMES and len(node.args) == 1:
        arg = node.args[0]
        if isinstance(arg, ast.Name):
            return _PRIMES[node.func.id], arg.id
    return None


def activation_of(spec: Spec, g: str, z: str) -> str | None:
    """The forward value defined as g(z): next_h for tanh(a_s), ot for sigmoid(zo)."""
    want = ast.dump(ast.parse(f"{g}({z})", mode="eval").body)
    return next((v.name for v in spec.forward if ast.dump(v.tree) == want), None)


def numpy_form(spec: Spec, node: ast.AST) -> str | None:
    """A spec expression in numpy (spec names): tanh_prime(c_next) is (1 - np.tanh(c_next) ** 2), or
    1 - next_h ** 2 where the forward pass names tanh(a) next_h; float(mask) is mask. None where
    it calls what numpy has not."""

    class Numpy(ast.NodeTransformer):
        failed = False

        def visit_Call(self, call: ast.Call) -> ast.AST:
            self.generic_visit(call)
            name = call.func.id if isinstance(call.func, ast.Name) else None
            if name == "float" and len(call.args) == 1:
                return call.args[0]
            if name in _PRIMES and len(call.args) == 1:
                return _prime_form(spec, _PRIMES[name], call.args[0])
            if name in _NUMPY:
                call.func = ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())
            elif not isinstance(call.func, ast.Attribute):
                self.failed = True
            return call

    numpy = Numpy()
    tree = numpy.visit(ast.parse(ast.unparse(node), mode="eval"))
    return None if numpy.failed else ast.unparse(tree.body)


def _prime_form(spec: Spec, g: str, arg: ast.expr) -> ast.expr:
    act = activation_of(spec, g, arg.id) if isinstance(arg, ast.Name) else None
    a = act or (f"np.tanh({ast.unparse(arg)})" if g == "tanh" else f"(1 / (1 + np.exp(-{ast.unparse(arg)})))")
    text = f"(1 - {a} ** 2)" if g == "tanh" else f"({a} * (1 - {a}))"
    return ast.parse(text, mode="eval").body


def _mask(spec: Spec, reference: ast.expr, wrong: ast.expr, m: Mistake) -> Mistake | None:
    """The mask left out: its name (the one value the reference reads and the mistake does not),
    and the factor it multiplies by where the reference is the mistake times it."""
    missing = sorted(_data_names(reference) - _data_names(wrong))
    if len(missing) != 1:
        return None
    diff = _diff(reference, wrong)
    r, w = diff if diff is not None else (None, None)
    times = isinstance(r, ast.BinOp) and isinstance(r.op, ast.Mult) and _same(r.left, w)
    form = numpy_form(spec, r.right) if times else None  # type: ignore[union-attr]
    return Mistake("mask", m.tag, (missing[0],), (form,) if form else (), m.within)


def _data_names(node: ast.AST) -> set[str]:
    calls = {id(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in calls}
