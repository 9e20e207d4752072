"""Explain pages written from data: one per tag (from tags.md, with the codes and catalog rules
that carry it), and one per quantity of an assignment that has no hand-written page (from the
spec's formulas; an L-layer family is shown with its layer index as a symbol, dA[l])."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import yaml

from ..findings import CODES, TAGS

TAGS_FILE = Path(__file__).resolve().parent / "tags.md"
_INDEX = re.compile(r"\{([lL])\s*([+-]\s*\d+)?\}")


def tag_sections() -> dict[str, str]:
    """Each tag's section of tags.md, by tag."""
    text = TAGS_FILE.read_text(encoding="utf-8")
    parts = re.split(r"^## (\S+)\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def tag_page_body(tag: str) -> str | None:
    from ..diagnose.rules import RULES

    text = tag_sections().get(tag)
    if text is None or tag not in TAGS:
        return None
    codes = sorted({c.code for c in CODES.values() if tag in c.tags} | {r.page for group in RULES for r in group if tag in r.tags})
    found = ", ".join(f"{c} {CODES[c].name}" for c in codes) if codes else "findings of every kind, next to their code"
    return (
        f"# {tag}\n\n## What it means\n{text}\n\n## Carried by\n{found}.\n\n"
        f"## See also\n" + ", ".join(f"`gradcheck explain {c}`" for c in codes or ["GC301"]) + "\n"
    )


# -- quantities, from a spec ----------------------------------------------------------------------
def _families(text: str) -> list[tuple[str, str]]:
    """(name template, formula template) of every forward and backward entry of a spec's YAML."""
    doc = yaml.safe_load(text) or {}
    out: list[tuple[str, str]] = []
    for section in ("forward", "backward"):
        for key, value in (doc.get(section) or {}).items():
            if isinstance(value, dict) and "each" in value:
                out += [(k, v if isinstance(v, str) else v.get("formula", "")) for k, v in value["each"].items()]
            else:
                out.append((key, value if isinstance(value, str) else (value or {}).get("formula", "")))
    return out


def _symbolic(template: str, shift: int) -> str:
    """``W{l}.T @ dZ{l}`` with l renamed so that the quantity's own index is l: W[l+1]."""

    def sub(m: re.Match) -> str:
        k = int((m.group(2) or "0").replace(" ", "")) + (shift if m.group(1) == "l" else 0)
        return f"[{m.group(1)}{'+' if k > 0 else '-' if k < 0 else ''}{abs(k) if k else ''}]"

    return _INDEX.sub(sub, template)


def family_entry(text: str, topic: str, depth: int | None) -> tuple[str, str, int] | None:
    """The family that ``topic`` (dA1) is a member of: (symbolic name, symbolic formula, its l)."""
    fams = _families(text)
    for prefer_depth in (True, False):
        for key, formula in fams:
            m = _INDEX.search(key)
            if not m or key[: m.start()] + key[m.end() :] != re.sub(r"\d+$", "", topic) or not re.fullmatch(r"\D+\d+", topic):
                continue
            n = int(re.search(r"\d+$", topic).group(0))
            k = int((m.group(2) or "0").replace(" ", ""))
            if m.group(1) == "L":
                if prefer_depth and depth is not None and n == depth + k:
                    return _symbolic(key, 0).replace("[L]", f"[L] (= {n})", 0), _symbolic(formula, 0), n
                continue
            if not prefer_depth and n >= 1:
                return _symbolic(key, -k), _symbolic(formula, -k), n
    return None


def quantity_body(spec, topic: str) -> str | None:
    """A page for ``topic`` of ``spec``: every value the student knows by that name."""
    internal = [n for n in _all_names(spec) if nameable(spec, n) and (n == topic or spec.shown(n) == topic)]
    if not internal:
        return None
    lines = [f"# {topic} — {spec.title}", ""]
    fam = family_entry(spec.text, topic, spec.depth) if spec.depth else None
    if fam is not None:
        name, formula, l_ = fam
        lines += [
            "## The formula for every layer",
            f"`{name} = {formula}`",
            "",
            f"{topic} is the member l = {l_} of this family. L is the number of layers, [l] the layer index.",
            "",
        ]
    for n in internal:
        lines += _one_value(spec, n, topic)
    lines += ["## See also", "`gradcheck explain TAG` for each tag above; `gradcheck explain GC301`, `gradcheck explain GC302`.", ""]
    return "\n".join(lines)


def _all_names(spec) -> list[str]:
    return [f.name for f in spec.forward] + [g.name for g in spec.backward] + [d.name for d in spec.derived]


def nameable(spec, n: str) -> bool:
    """Whether a student can name the value ``n``: the course's name for it is in ``names:``, it is
    an argument or a returned value of a graded function, or it is named as the course names its
    variables (no underscore: Z1, dA2, gradapprox). The spec's bookkeeping (``grad_norm``,
    ``lstm_states``, ``l2_scale``) has no page of its own."""
    if n in spec.names:
        return True
    for f in spec.functions:
        if n in _template_names(f.returns) or n in _template_names(list(f.args)):
            return True
    return "_" not in n


def inline_internal(spec, tree: ast.expr, depth: int = 3) -> ast.expr:
    """``tree`` with each forward value a student cannot name written as its own formula
    (CS231n's ``gn_xg`` as ``groups(x, G)``, ``drop_keep`` as ``p``) and each constant the student
    never names as its number (``l2_scale``): a formula shown to a student names only what they know."""
    from ..diagnose.case import shown_constants

    tree = shown_constants(spec, tree)
    forward = {f.name: f for f in spec.forward}
    hidden = {n for n in names_in(tree) if n in forward and not nameable(spec, n)}
    if not hidden or depth == 0:
        return tree

    class _Inline(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return copy.deepcopy(forward[node.id].tree) if node.id in hidden else node

    return inline_internal(spec, _Inline().visit(copy.deepcopy(tree)), depth - 1)


def names_in(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _one_value(spec, n: str, topic: str) -> list[str]:
    from ..diagnose.explain_value import context
    from ..diagnose.rules import single

    formula = spec.formula_for(n)
    g = spec.gradient(n)
    fns = [f.name for f in spec.functions if n in _template_names(f.returns)]
    where = f" (returned by {', '.join(sorted(set(fns)))})" if fns else ""
    out = [f"## {topic}{where}"]
    if g is not None:
        wrt = spec.shown(g.wrt)
        kind = (
            f"the gradient of each example's own loss with respect to {wrt}: one column per example, no 1/{spec.batch}"
            if g.per_example
            else f"the gradient of the cost with respect to {wrt}; it has the shape of {wrt}"
        )
        out.append(f"{topic} is {kind}.")
    elif n in {d.name for d in spec.derived}:
        out.append(f"{topic} is computed from the gradients (and the cost), not a gradient itself.")
        if spec.notes.get(n):
            out.append(spec.shown_text(spec.notes[n]))
    elif not fns and any(n in _template_names(list(f.args)) for f in spec.functions):
        # an input the spec draws for its trials (keep_prob from keep_prob_u): how it is drawn is not the course's
        takers = sorted({f.name for f in spec.functions if n in _template_names(list(f.args))})
        return [*out, f"{topic} is given to {', '.join(takers)} as an argument; your code reads it, never computes it.", ""]
    else:
        out.append(f"{topic} is a value of the forward pass.")
    shown = inline_internal(spec, formula.tree)
    out += ["", "```", f"{topic} = {spec.references.get(n) or spec.shown_text(ast.unparse(shown))}", "```", ""]
    seen: dict[str, str] = {}
    # variants of the spec's own computation say nothing to a student who wrote the course's formula
    for mutation, _ in single(shown, context(spec, g is None)) if n not in spec.references else ():
        if mutation.tag not in seen and not mutation.key.startswith("spec:"):
            seen[mutation.tag] = spec.shown_text(mutation.text)
    if seen:
        out += ["Common mistakes gradcheck names here:", "", "| tag | for example |", "| --- | --- |"]
        out += [f"| `{t}` | {text} |" for t, text in seen.items()]
        out.append("")
    return out


def _template_names(t) -> set[str]:
    if isinstance(t, str):
        return {t}
    if isinstance(t, dict):
        return set().union(*(_template_names(v) for v in t.values())) if t else set()
    if isinstance(t, (list, tuple)):
        return set().union(*(_template_names(v) for v in t)) if t else set()
    return set()
