#!/usr/bin/env bash
# Install step of action.yml: the given requirement, or the action's own checkout.
set -euo pipefail
if [ -n "${GRADCHECK_REQUIREMENT:-}" ]; then
  python -m pip install --quiet "$GRADCHECK_REQUIREMENT"
else
  python -m pip install --quiet "${ACTION_PATH:?ACTION_PATH is not set}"
fi
gradcheck --version
