"""Versions of an assignment: which functions a version has and which conventions it uses.

A spec may describe several versions of one assignment (CS231n's assignment-1 and
assignment-2 ``layers.py``, the assignment-1 classifiers) and conventions that differ between
years (dropout's ``p``; the L2 term). A file is graded on the version whose functions it
defines, and on the convention its docstrings or comments state, else on each of the
version's conventions in turn (the grader keeps the first under which the file is right).

Reading (``read_conventions``, ``read_versions``) fails with the spec's file and line; the
rest are pure functions of the spec and the submission's names and source text.
"""

from __future__ import annotations

import ast
import io
import itertools
import re
import tokenize
from collections.abc import Set
from dataclasses import dataclass, replace
from typing import Any

from . import formula as fm
from . import pyast
from .fit import rank
from .model import Convention, ConventionOption, Formula, FunctionSpec, Spec, Version
from .reader import Reader, close_name
from .yamlsrc import LDict, line_of

MAX_PATTERN = 200  # characters of one `says` pattern


# -- reading ----------------------------------------------------------------------------------
def read_conventions(r: Reader, root: LDict, known: dict[str, str], forward: tuple[Formula, ...], fnames: set[str]) -> tuple[Convention, ...]:
    """``conventions:``: each option sets forward values to other formulas (checked like forward formulas)."""
    if "conventions" not in root:
        return ()
    raw = root["conventions"]
    if not isinstance(raw, dict) or not raw:
        raise r.fail("'conventions' must be a mapping of name: {about, options}", root, "conventions")
    order = list(known)
    forward_names = {f.name for f in forward}
    out = []
    for key, spec in raw.items():
        r.name(key, f"conventions.{key}", raw, key)
        c = r.mapping(spec, f"conventions.{key}", raw, key, {"about": True, "options": True, "read_in": False})
        read_in = c.get("read_in", [])
        if not isinstance(read_in, list) or not all(isinstance(n, str) and n in fnames for n in read_in):
            raise r.fail(f"'conventions.{key}.read_in' must list functions of this spec", c, "read_in")
        opts = c["options"]
        if not isinstance(opts, dict) or len(opts) < 2:
            raise r.fail(f"'conventions.{key}.options' must be a mapping of at least two options", c, "options")
        options = [_option(r, f"conventions.{key}.options.{name}", opts, name, order, forward_names) for name in opts]
        set_by = {frozenset(o.sets) for o in options}
        if len(set_by) != 1:
            raise r.fail(f"every option of 'conventions.{key}' must set the same forward values", c, "options")
        about = " ".join(r.text(c["about"], f"conventions.{key}.about", c, "about").split())
        out.append(Convention(key, about, tuple(options), tuple(read_in)))
    return tuple(out)


def _option(r: Reader, what: str, opts: Any, name: Any, order: list[str], forward_names: set[str]) -> ConventionOption:
    r.name(name, what, opts, name)
    o = r.mapping(opts[name], what, opts, name, {"label": True, "set": True, "says": False})
    sets = o["set"]
    if not isinstance(sets, dict) or not sets:
        raise r.fail(f"'{what}.set' must be a mapping of forward value: formula", o, "set")
    formulas = {}
    for target, text in sets.items():
        if target not in forward_names:
            close = close_name(str(target), forward_names)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise r.fail(f"'{what}.set' sets '{target}', which is not a forward value{hint}", sets, target)
        tree = r.formula(text, f"{what}.set.{target}", sets, target)
        before = set(order[: order.index(target)])
        for n in sorted(fm.names(tree)):
            if n not in before:
                raise r.fail(f"in formula for '{what}.set.{target}': '{n}' is not defined before '{target}'", sets, target)
        formulas[target] = Formula(target, str(text).strip(), tree, line_of(sets, target))
    says = o.get("says", [])
    if not isinstance(says, list) or not all(isinstance(p, str) and 0 < len(p) <= MAX_PATTERN for p in says):
        raise r.fail(f"'{what}.says' must be a list of regular expressions of at most {MAX_PATTERN} characters", o, "says")
    for i, p in enumerate(says):
        try:
            re.compile(p)
        except re.error as exc:
            raise r.fail(f"'{what}.says[{i}]' is not a regular expression: {exc}", says, i) from None
    return ConventionOption(name, " ".join(r.text(o["label"], f"{what}.label", o, "label").split()), formulas, tuple(says))


def read_versions(r: Reader, root: LDict, functions: tuple[FunctionSpec, ...], conventions: tuple[Convention, ...]) -> tuple[Version, ...]:
    """``versions:``: each names the functions it has (keys of ``functions``) and the options of each convention it accepts."""
    if "versions" not in root:
        return ()
    raw = root["versions"]
    if not isinstance(raw, dict) or not raw:
        raise r.fail("'versions' must be a mapping of name: {label, functions}", root, "versions")
    fnames = [f.name for f in functions]
    convs = {c.name: c for c in conventions}
    out = []
    for key, spec in raw.items():
        what = f"versions.{key}"
        r.name(key, what, raw, key)
        v = r.mapping(spec, what, raw, key, {"label": True, "functions": True, "optional": False, "conventions": False})
        listed = v["functions"]
        if not isinstance(listed, list) or not listed or not all(isinstance(n, str) for n in listed):
            raise r.fail(f"'{what}.functions' must be a list of functions of this spec", v, "functions")
        for i, n in enumerate(listed):
            if n not in fnames:
                close = close_name(n, fnames)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise r.fail(f"'{what}.functions' names '{n}', which is not one of the functions{hint}", listed, i)
        optional = v.get("optional", [])
        if not isinstance(optional, list) or not all(isinstance(n, str) and n in listed for n in optional):
            raise r.fail(f"'{what}.optional' must list functions of this version", v, "optional")
        if all(n in optional for n in listed):
            raise r.fail(f"'{what}' needs at least one function that is not optional", v, "optional")
        chosen = []
        vc = v.get("conventions", {})
        if not isinstance(vc, dict):
            raise r.fail(f"'{what}.conventions' must be a mapping of convention: option or [options]", v, "conventions")
        for cname, opts in vc.items():
            if cname not in convs:
                raise r.fail(f"'{what}.conventions' names '{cname}', which is not one of the conventions", vc, cname)
            opts = [opts] if isinstance(opts, str) else opts
            names = [o.name for o in convs[cname].options]
            if not isinstance(opts, list) or not opts or not all(isinstance(o, str) and o in names for o in opts):
                raise r.fail(f"'{what}.conventions.{cname}' must be one or a list of {', '.join(names)}", vc, cname)
            chosen.append((cname, tuple(opts)))
        label = " ".join(r.text(v["label"], f"{what}.label", v, "label").split())
        ordered = tuple(n for n in fnames if n in listed)
        out.append(Version(key, label, ordered, tuple(optional), tuple(chosen)))
    return tuple(out)


# -- choosing ---------------------------------------------------------------------------------
def _student_functions(spec: Spec, version: Version) -> list[tuple[str, tuple[str, ...], bool]]:
    out: dict[str, tuple[str, tuple[str, ...], bool]] = {}
    for f in spec.functions:
        if f.name in version.functions:
            call, aliases, opt = out.get(f.call, (f.call, (), True))
            out[f.call] = (call, aliases + f.aliases, opt and f.name in version.optional)
    return list(out.values())


def choose_version(spec: Spec, defined: Set[str]) -> tuple[Version, int]:
    """The version whose functions the file defines most of (then the larger share of its
    required ones, then the spec's order), and how many it defines."""
    ranked = [(rank(defined, _student_functions(spec, v)), i, v) for i, v in enumerate(spec.versions)]
    (hits, _), _, best = max(ranked, key=lambda t: (t[0][0], t[0][1], -t[1]))
    return best, hits


def stated_option(source: str, convention: Convention) -> tuple[str, str] | None:
    """The option that the docstrings and comments of ``convention.read_in`` state, and the function
    that states it; None when none does or when they state more than one."""
    texts = _function_texts(source, convention.read_in)
    found: dict[str, str] = {}
    for fname, text in texts:
        for o in convention.options:
            if any(re.search(p, text, re.IGNORECASE) for p in o.says):
                found.setdefault(o.name, fname)
    return next(iter(found.items())) if len(found) == 1 else None


def _function_texts(source: str, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(function, its docstring and comments) for each function of ``names`` the source defines."""
    if not names:
        return []
    try:
        tree = pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    comments: list[tuple[int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments.append((tok.start[0], tok.string))
    except (tokenize.TokenError, SyntaxError):
        pass
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            end = node.end_lineno or node.lineno
            said = [ast.get_docstring(node) or "", *(c for line, c in comments if node.lineno <= line <= end)]
            out.append((node.name, "\n".join(said)))
    return out


@dataclass(frozen=True)
class Variant:
    """The spec narrowed to one version and one option of each convention, and how they were chosen."""

    spec: Spec
    version: Version | None
    choices: tuple[tuple[str, str, str], ...] = ()  # (convention, option, how: "stated:<function>", "default" or "tried")
    hits: int = 0
    same_reference: bool = True  # the reference values are the whole spec's (trials made for it can be reused)


def _changes(spec: Spec, option: ConventionOption) -> bool:
    return any(spec.formula_for(n) is not None and spec.formula_for(n).text != f.text for n, f in option.sets.items())  # type: ignore[union-attr]


def variants(spec: Spec, defined: Set[str], source: str) -> list[Variant]:
    """What to grade a file on, in the order to try: one variant per combination of the
    options its version leaves open (a convention the file states is not left open)."""
    if not spec.versions:
        return [Variant(spec, None)]
    version, hits = choose_version(spec, defined)
    convs = {c.name: c for c in spec.conventions}
    per_convention: list[list[tuple[str, str, str]]] = []
    for cname, options in version.conventions:
        stated = stated_option(source, convs[cname])
        if stated is not None:
            per_convention.append([(cname, stated[0], f"stated:{stated[1]}")])
        elif len(options) == 1:
            per_convention.append([(cname, options[0], "default")])
        else:
            per_convention.append([(cname, o, "tried") for o in options])
    out = []
    for combo in itertools.product(*per_convention):
        same = not any(_changes(spec, convs[c].option(o)) for c, o, _ in combo)
        out.append(Variant(narrow(spec, version, {c: o for c, o, _ in combo}), version, tuple(combo), hits, same))
    return out


def narrow(spec: Spec, version: Version, choices: dict[str, str]) -> Spec:
    """``spec`` with only ``version``'s functions and each convention's chosen option in its forward formulas."""
    sets: dict[str, Formula] = {}
    for c in spec.conventions:
        sets.update(c.option(choices.get(c.name, c.options[0].name)).sets)
    forward = tuple(sets.get(f.name, f) for f in spec.forward)
    keep = set(version.functions)
    functions = tuple(replace(f, optional=f.optional or f.name in version.optional) for f in spec.functions if f.name in keep)
    probes = tuple(replace(p, functions=tuple(n for n in p.functions if n in keep)) for p in spec.probes)
    probes = tuple(p for p in probes if p.functions)
    student_cost = spec.student_cost if all(s.call in keep for s in spec.student_cost) else ()
    variant = ";".join([version.name, *(f"{c}={o}" for c, o in sorted(choices.items()))])
    return replace(spec, forward=forward, functions=functions, probes=probes, student_cost=student_cost, variant=variant)


def option_specs(spec: Spec) -> list[Spec]:
    """The whole spec once with each option of each convention that is not its first (whose
    formulas ``spec`` already has): each must pass the reference's own check."""
    if spec.variant or not spec.conventions:
        return []
    out = []
    for c in spec.conventions:
        for o in c.options:
            if _changes(spec, o):
                forward = tuple(o.sets.get(f.name, f) for f in spec.forward)
                out.append(replace(spec, forward=forward, variant=f"{c.name}={o.name}"))
    return out


def describe(variant: Variant, matched: bool | None = None) -> str | None:
    """The sentence for the report: the version, and each convention with how it was chosen.
    ``matched``: for options that were tried, whether this one let the file pass."""
    if variant.version is None:
        return None
    v = variant.version
    parts = [f"graded as version '{v.name}' ({v.label}): the file defines {variant.hits} of its functions"]
    convs = {c.name: c for c in variant.spec.conventions}
    for cname, oname, how in variant.choices:
        c = convs[cname]
        label = c.option(oname).label
        if how.startswith("stated:"):
            parts.append(f"{c.about}: {label}, as the docstring or comments of {how.split(':', 1)[1]} say")
        elif how == "default":
            parts.append(f"{c.about}: {label} (this version's default; the file does not state it)")
        elif matched:
            parts.append(f"{c.about}: {label}, the convention the file matches (tried: {_tried(variant, cname)})")
        else:
            parts.append(f"{c.about}: {label}; the file is right under none of {_tried(variant, cname)}")
    return "; ".join(parts) + "."


def _tried(variant: Variant, cname: str) -> str:
    opts = dict(variant.version.conventions).get(cname, ()) if variant.version else ()
    return ", ".join(f"'{o}'" for o in opts)


__all__ = ["Variant", "choose_version", "describe", "narrow", "option_specs", "rank", "read_conventions", "read_versions", "stated_option", "variants"]
