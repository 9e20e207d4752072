#!/usr/bin/env bash
# Run step of action.yml: grade, write the results file, expose score/max-score/passed outputs.
set -uo pipefail
args=("${GRADCHECK_FILE:?GRADCHECK_FILE is not set}")
[ -n "${GRADCHECK_ASSIGNMENT:-}" ] && args+=(--assignment "$GRADCHECK_ASSIGNMENT")
[ -n "${GRADCHECK_MIN_SCORE:-}" ] && args+=(--min-score "$GRADCHECK_MIN_SCORE")
report="${GRADCHECK_REPORT_FILE:-gradcheck-results.json}"
json="$(mktemp)"
gradcheck "${args[@]}" --report "${GRADCHECK_FORMAT:-json}=$report" --report "json=$json"
status=$?
if [ "$status" -ge 2 ]; then
  exit "$status"
fi
out="${GITHUB_OUTPUT:-/dev/null}"
python - "$json" "$out" <<'PY'
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
with open(sys.argv[2], "a", encoding="utf-8") as fh:
    fh.write(f"score={data['score']:g}\nmax-score={data['max_score']:g}\npassed={'true' if data['passed'] else 'false'}\n")
PY
exit "$status"
