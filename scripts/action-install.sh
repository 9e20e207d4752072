#!/usr/bin/env bash
# Install step of action.yml: the given requirement, or the action's own checkout.
set -euo pipefail
if [ -n "${GRADCHECK_REQUIREMENT:-}" ]; then
  python -m pip install --quiet "$GRADCHECK_REQUIREMENT"
else
  python -m pip install --quiet "${ACTION_PATH:?ACTION_PATH is not set}"
fi
# bubblewrap gives the strongest isolation of the graded code (docs/hostile.md); optional:
# without it (or where the runner forbids user namespaces) gradcheck uses Landlock and
# seccomp and every report names the level in force.
if [ "$(uname -s)" = Linux ] && ! command -v bwrap >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  timeout 180 sudo apt-get install -y -q bubblewrap >/dev/null 2>&1 || echo "gradcheck: bubblewrap not installed; isolation falls back to Landlock and seccomp"
fi
gradcheck --version
