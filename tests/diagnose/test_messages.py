"""messages.py: every code has its words; records become findings with their code's tags."""

from __future__ import annotations

from gradcheck.diagnose import messages
from gradcheck.diagnose import problems as P
from gradcheck.findings import CODES, GC
from gradcheck.sandbox.runner import Failure  # noqa: F401 - the kinds below are runner.Failure's


def test_every_code_the_judge_can_emit_has_a_writer():
    assert set(messages.WRITERS) == set(CODES) - {GC.INTERNAL_ERROR}


def test_a_record_without_tags_gets_its_codes_tags():
    f = messages.finding(P.NotFinite(target="dW1", kinds=("NaN", "inf"), count=3, size=12))
    assert f.code == GC.NOT_FINITE and f.tags == ("not-finite",)
    assert f.message == "dW1 contains NaN, inf in 3 of 12 entries."


def test_a_run_failure_picks_its_code_from_its_kind():
    assert P.RunFailed(target="f", kind="exception", function="f").code == GC.CALL_RAISED
    assert P.RunFailed(target="f", kind="exception").code == GC.IMPORT_FAILED
    assert P.RunFailed(target="f", kind="name", name="x", function="f").code == GC.UNDEFINED_NAME
    assert P.RunFailed(target="f", kind="name", function="f").code == GC.CALL_RAISED  # no name to tell


def test_a_value_mismatch_picks_its_code_from_its_role():
    assert P.ValueMismatch(target="A1", role="forward").code == GC.FORWARD_MISMATCH
    assert P.ValueMismatch(target="J", role="cost").code == GC.COST_MISMATCH
    assert P.ValueMismatch(target="dW1", role="gradient").code == GC.GRADIENT_MISMATCH


def test_the_spec_authors_note_is_the_hint_only_when_there_is_none():
    bare = messages.finding(P.ValueMismatch(target="db2", role="gradient", mismatched=2, total=3, max_rel=0.5, note="db2 sums over the examples"))
    assert bare.hint == "db2 sums over the examples" and "2 of 3 entries" in bare.message


def test_a_callers_error_points_at_the_callee():
    f = messages.finding(P.CalleeBroken(target="dA_prev", caller="linear_activation_backward", cause="linear_backward", seen="dA_prev is wrong."))
    assert f.code == GC.FOLLOWS_UPSTREAM and f.message.startswith("linear_activation_backward relies on linear_backward")
    assert f.message.endswith("What gradcheck saw: dA_prev is wrong.")


def test_fragile_words_say_which_kind_of_size():
    layers = messages.finding(P.FragileIncomplete(target="L_model_backward", call="L_model_backward", sizes="L = 4 layers", depth=4, spec_depth=3,
                                                  account="the dict has no key 'dW4'."))
    assert "(L = 3)" in layers.message and "no key 'dW4'. It works only" in layers.message
    units = messages.finding(P.FragileValue(target="db2", call="backward_propagation", sizes="n_y=2", shown="db2", got_shape=(1, 1), expected_shape=(2, 1)))
    assert "(shape (1, 1) instead of (2, 1)) — a different value" in units.message


def test_table_notes():
    assert messages.side_effects_note(("X",), ("dW1", "db1")) == "modified its input X; dW1, db1 changed between calls"
    assert messages.fd_summary(6, False, [], None) == "6 finite differences agree"


def test_an_nd_input_in_a_matrix_product_is_reshaped_not_transposed():
    p = P.RunFailed(
        target="affine_forward", kind="exception", error_type="ValueError", error="shapes (6,2,4) and (8,5) not aligned", function="affine_forward", nd_args=("x",)
    )
    hint = messages.finding(p).hint
    assert "x.reshape(x.shape[0], -1)" in hint and "transpose" not in hint
