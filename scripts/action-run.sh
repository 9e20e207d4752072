#!/usr/bin/env bash
# Run step of action.yml: grade the pinned assignment and write the results file. gradcheck
# itself appends the score/max-score/passed outputs to $GITHUB_OUTPUT (GITHUB_ACTIONS=true):
# no results file is read back, so nothing the submission wrote can become the grade.
set -uo pipefail
: "${GRADCHECK_ASSIGNMENT:?the assignment input of the action is required: a built-in name (gradcheck list) or a spec.yaml path}"
args=("${GRADCHECK_FILE:?GRADCHECK_FILE is not set}" --assignment "$GRADCHECK_ASSIGNMENT")
[ -n "${GRADCHECK_MIN_SCORE:-}" ] && args+=(--min-score "$GRADCHECK_MIN_SCORE")
report="${GRADCHECK_REPORT_FILE:-gradcheck-results.json}"
GITHUB_ACTIONS=true gradcheck "${args[@]}" --report "${GRADCHECK_FORMAT:-json}=$report"
