"""Diagnosis: from observations to the table of checks and the findings.

judge.py walks one submission in report order and calls, for each step, the module that knows
it: loading.py (parse, import, missing functions, failed calls), values.py (structure, type,
shape, finiteness), cascade.py and roots.py (root causes and what follows from them; the mistake
that reproduces a wrong value, found by explain_value.py with rules.py and scale.py),
side_effects.py (inputs changed, a different answer twice), probes.py (other sizes) and
fd_verdict.py (the student's own finite differences). Each records typed problems
(problems.py); messages.py alone gives them words; scoring.py says what each row is worth.

To add a mistake: one rule in rules.py (its tags and explain page), a fixture under
tests/corpus/, and a test in tests/diagnose/test_rules.py. To add a finding code: its row in
findings.CODES and findings.GC, a problem record, a writer in messages.py, an explain page.
"""
