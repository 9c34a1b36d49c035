#!/usr/bin/env bash
# Installs Ralph (an xAPI Learning Record Store) in .venv-lrs for the xAPI export tests.
# Idempotent. The Swift tests look for .venv-lrs/bin/python (or $HAZLAB_LRS_PYTHON) and skip
# the real-LRS tests when it is absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -x .venv-lrs/bin/python ] && .venv-lrs/bin/python -c 'import ralph, uvicorn, requests' 2>/dev/null; then
  exit 0
fi
echo "setup: creating .venv-lrs with ralph-malph 5.1.0"
python3 -m venv .venv-lrs
.venv-lrs/bin/pip install -q --disable-pip-version-check "ralph-malph[cli,lrs]==5.1.0" requests
