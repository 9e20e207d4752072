"""JUnit XML: one ``<testcase>`` per check, for CI test-report viewers.

``<testsuites><testsuite name="gradcheck.<assignment>">``, one testcase per report check
(classname ``<assignment>.<function>``, name the check's target). A failed check carries a
``<failure>`` whose type is the code of the first finding that explains it and whose text
holds every such finding (message, the student's line, the reference, the fix); a skipped
check carries ``<skipped/>``. What the submission printed goes in ``<system-out>``. When
gradcheck itself failed (GC901) there is one extra testcase with an ``<error>``.

ElementTree escapes markup; characters XML 1.0 forbids are removed from every string first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..findings import Finding
from ..report import Report
from .common import INTERNAL_ERROR, clip, file_label, findings_for_check, number, points, source_lines, unattached_findings

# Not allowed in XML 1.0 documents: C0 controls but tab/LF/CR, surrogates, U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
MESSAGE_LIMIT = 1000  # characters in a failure's message attribute
OUTPUT_LIMIT = 1024 * 1024  # characters of printed output in <system-out>


def xml_text(value: object) -> str:
    """A string that is legal XML 1.0 character data (terminal escapes and forbidden characters removed)."""
    s = str(value if value is not None else "")
    return _ILLEGAL.sub("", _ANSI.sub("", s))


def render(report: Report) -> str:
    """The JUnit XML document. Never raises: on a rendering bug, a minimal document with the verdict."""
    try:
        return _render(report)
    except Exception as exc:  # noqa: BLE001 - a rendering bug must never hide the verdict
        return minimal(report, f"gradcheck could not render the full JUnit report ({type(exc).__name__}: {exc})")


def _attrs(**kw: object) -> dict[str, str]:
    return {k: xml_text(v) for k, v in kw.items()}


def _render(report: Report) -> str:
    assignment = xml_text(report.assignment) or "assignment"
    checks = list(report.checks)
    failures = sum(1 for c in checks if c.status == "fail")
    skipped = sum(1 for c in checks if c.status == "skip")
    internal = [f for f in report.findings if f.code == INTERNAL_ERROR]
    errors = 1 if internal else 0
    tests = len(checks) + errors
    seconds = f"{float(number(report.seconds)):.3f}"

    root = ET.Element("testsuites", _attrs(name="gradcheck", tests=tests, failures=failures, errors=errors, time=seconds))
    suite = ET.SubElement(root, "testsuite", _attrs(name=f"gradcheck.{assignment}", tests=tests, failures=failures, errors=errors,
                                                    skipped=skipped, time=seconds))  # fmt: skip
    props = ET.SubElement(suite, "properties")
    for key, value in (("file", report.file), ("seed", report.seed), ("passed", str(bool(report.passed)).lower()),
                       ("score", points(report.score)), ("max_score", points(report.max_score)),
                       ("gradcheck_version", report.version)):  # fmt: skip
        ET.SubElement(props, "property", _attrs(name=key, value=value))
    for p in report.parts:  # several assignments: each one's points
        ET.SubElement(props, "property", _attrs(name=f"score.{p.assignment}", value=f"{points(p.score)}/{points(p.max_score)}"))

    for c in checks:
        classname = f"{xml_text(c.assignment) or assignment}.{xml_text(c.function or c.id) or 'check'}"
        case = ET.SubElement(suite, "testcase", _attrs(classname=classname, name=c.target or c.id, time="0"))
        if c.status == "fail":
            found = findings_for_check(report, c)
            if found:
                first = found[0]
                message, kind = _one_line(first.message), first.code
                body = "\n\n".join(_finding_text(report, f) for f in found)
            else:
                message = "check failed" + (f": {c.summary}" if c.summary else "")
                kind, body = "check-failed", message
            failure = ET.SubElement(case, "failure", _attrs(message=clip(message, MESSAGE_LIMIT), type=kind))
            failure.text = xml_text(body)
        elif c.status == "skip":
            ET.SubElement(case, "skipped", _attrs(message=c.summary or "not checked"))

    if internal:
        case = ET.SubElement(suite, "testcase", _attrs(classname=f"{assignment}.gradcheck", name="grading", time="0"))
        err = ET.SubElement(case, "error", _attrs(message=clip(_one_line(internal[0].message), MESSAGE_LIMIT), type=INTERNAL_ERROR))
        err.text = xml_text("\n\n".join(_finding_text(report, f) for f in internal))

    out = ET.SubElement(suite, "system-out")
    text = clip(report.output or "", OUTPUT_LIMIT)
    if report.output_truncated:
        text += "\n[gradcheck: output beyond the cap was dropped]"
    out.text = xml_text(text)
    loose = [f for f in unattached_findings(report) if f.code != INTERNAL_ERROR]
    if loose:
        err = ET.SubElement(suite, "system-err")
        err.text = xml_text("\n\n".join(_finding_text(report, f) for f in loose))

    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _finding_text(report: Report, f: Finding) -> str:
    lines = [f"[{f.code}] {f.target}: {f.message}"]
    src = source_lines(report, f, limit=5)
    if src:
        name = file_label(f.location.file if f.location else report.file)
        lines += [f"  {name}:{n}: {text.strip()}" for n, text in src]
    elif f.location is not None:
        lines.append(f"  {file_label(f.location.file)}:{f.location.line}")
    if f.formula:
        lines.append(f"  reference: {f.formula}")
    if f.hint:
        lines.append(f"  fix: {f.hint}")
    return "\n".join(lines)


def minimal(report: Report, note: str) -> str:
    """A small valid JUnit document stating the verdict (one testcase)."""
    try:
        name = xml_text(report.assignment) or "assignment"
        passed = bool(report.passed)
    except Exception:  # noqa: BLE001
        name, passed = "assignment", False
    root = ET.Element("testsuites", _attrs(name="gradcheck", tests=1, failures=0 if passed else 1, errors=0, time="0"))
    suite = ET.SubElement(root, "testsuite", _attrs(name=f"gradcheck.{name}", tests=1, failures=0 if passed else 1, errors=0,
                                                    skipped=0, time="0"))  # fmt: skip
    case = ET.SubElement(suite, "testcase", _attrs(classname=f"{name}.gradcheck", name="verdict", time="0"))
    if not passed:
        ET.SubElement(case, "failure", _attrs(message=note, type="gradcheck")).text = xml_text(note)
    ET.SubElement(suite, "system-err").text = xml_text(note)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
