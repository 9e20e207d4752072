"""`gradcheck explain` for every tag and for the quantities of every built-in assignment."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gradcheck.catalog import builtins
from gradcheck.errors import UsageError
from gradcheck.explain import find_page
from gradcheck.explain.generated import family_entry, tag_sections
from gradcheck.findings import TAGS

from ..conftest import CORPUS, ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gradcheck", "explain", *args, "--width", "120"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_every_tag_has_a_section_and_no_section_lacks_a_tag():
    assert set(tag_sections()) == set(TAGS)


@pytest.mark.parametrize("tag", TAGS)
def test_every_tag_has_a_page(tag):
    page = find_page(tag)
    assert page.body.startswith(f"# {tag}\n")
    assert "## What it means" in page.body and "## Carried by" in page.body


def test_a_new_catalog_tag_names_the_code_that_carries_it():
    assert "GC301" in find_page("dropout-mask").body
    assert "GC302" in find_page("missing-mean").body


@pytest.mark.parametrize(
    ("topic", "assignment", "formula"),
    [
        ("dw", "logistic", "dw = X @ dZ.T / m"),
        ("dx", "cs231n", "dx = dout * relu_prime(x)"),
        ("dW2", "regularization", "dW2 = dZ2 @ A1.T / m + lambd / m * W2"),
        ("dA1", "deep", "dA1 = W2.T @ dZ2"),
        ("difference", "gradient_checking", "difference ="),
    ],
)
def test_quantity_pages_for_every_assignment(topic, assignment, formula):
    body = find_page(topic, assignment).body
    assert body.startswith(f"# {topic} — ")
    assert formula in body


def test_every_builtin_has_quantity_pages():
    for entry in builtins():
        spec_names = [g for g in ("dW1", "dw", "dx", "dA_prev", "difference", "cost") if _has(g, entry.name)]
        assert spec_names, entry.name


def _has(topic: str, assignment: str) -> bool:
    try:
        find_page(topic, assignment)
    except UsageError:
        return False
    return True


def test_deep_pages_show_the_layer_index_as_a_symbol():
    body = find_page("dA1", "deep").body
    assert "dA[l] = W[l+1].T @ dZ[l+1]" in body
    assert "l = 1" in body
    assert "dW[l] = dZ[l] @ A[l-1].T / m" in find_page("dW2", "deep").body


def test_family_entry_of_the_output_layer_uses_L():
    from gradcheck.catalog import resolve
    from gradcheck.spec.loader import load_spec

    spec = load_spec(resolve("deep"))
    name, formula, _ = family_entry(spec.text, f"dZ{spec.depth}", spec.depth)
    assert name.startswith("dZ[L]") and "sigmoid_prime" in formula


def test_an_unknown_quantity_says_what_there_is():
    with pytest.raises(UsageError, match="try one of"):
        find_page("dQ7", "logistic")


def test_no_assignment_names_the_one_shown_and_the_others():
    page = find_page("dW1")
    assert "'planar'" in page.note and "deep" in page.note and "regularization" in page.note


def test_cli_follows_the_students_file():
    done = cli("dW1", str(CORPUS / "deep" / "correct" / "course_dnn_utils.py"))
    assert done.returncode == 0, done.stderr
    assert "'deep'" in done.stdout and "dW[l]" in done.stdout


def test_cli_without_file_or_assignment_says_which_is_shown():
    done = cli("dW1")
    assert done.returncode == 0, done.stderr
    assert "Shown for the 'planar' assignment" in done.stdout


def test_cli_tag_and_other_assignments():
    assert "The 1/m is missing" in cli("missing-mean").stdout
    assert "dw = X @ dZ.T / m" in cli("dw", "-a", "logistic").stdout
    assert "dA[l]" in cli("dA1", "-a", "deep").stdout
    assert cli("dx", "-a", "cs231n").returncode == 0


def test_the_specs_bookkeeping_has_no_page():
    # gradient_checking computes grad_norm and planted_error to grade; the student never names them
    from gradcheck.explain import quantities

    topics = quantities("gradient_checking")
    assert {"difference", "gradapprox", "dW2"} <= set(topics)
    assert not {"grad_norm", "planted_error", "dtheta_wrong"} & set(topics)
    with pytest.raises(UsageError):
        find_page("grad_norm", "gradient_checking")
    assert "lstm_states" not in quantities("rnn")


def test_a_formula_names_only_what_the_student_knows():
    # CS231n's group norm groups x internally (gn_xg) and weighs L2 by a convention (l2_scale)
    x_hat = find_page("x_hat", "cs231n").body
    assert "groups(x, G)" in x_hat and "gn_xg" not in x_hat
    dw = find_page("dW", "cs231n").body
    assert "+ 2 * reg * W" in dw and "l2_scale" not in dw


def test_an_argument_is_given_not_computed():
    body = find_page("keep_prob", "regularization").body
    assert "as an argument" in body and "keep_prob_u" not in body


def test_planar_update_pages_use_the_course_names():
    page = find_page("W1", "planar")
    assert page.meta["formula"].startswith("W1 = W1") and "W1_next" not in page.body
