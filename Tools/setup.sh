#!/usr/bin/env bash
# Installs what HazLab's build and tests need on a fresh Debian machine. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
chmod 600 Tools/demo-keys/ws-demo.key  # git keeps no modes; hazlab refuses key files wider than 0600
chmod go-w Tools/demo-keys/keys.json     # hazlab refuses a key registry that group or others may write

need_apt=()
# The viewer: GLFW, GL/EGL (Mesa), FreeType + fontconfig and a CJK font, zlib; Xvfb for the window test.
# gcc: the allocation counter (Tools/alloc/count-malloc.c).
# slurm-wlm, munge: a real single-node Slurm for the job-array test (Tools/deploy/slurm/test-slurm.sh).
for pkg in python3-venv valgrind gcc libsqlite3-dev slurm-wlm munge \
           libglfw3-dev libgl-dev libegl-dev libegl-mesa0 libgl1-mesa-dri libfreetype-dev libfontconfig-dev \
           fonts-wqy-microhei zlib1g-dev xvfb xauth \
           chromium chromium-driver python3-selenium; do  # the teacher station's browser tests (Chinese: fonts-wqy-microhei, above)
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: Swift 6 is required (https://swift.org/install)"; exit 1; }

# Python tools for tests: JSON Schema validation of the bundled scenarios.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import jsonschema, yaml' 2>/dev/null; then
  echo "setup: creating .venv with jsonschema and PyYAML"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check "jsonschema>=4.18" "PyYAML>=6"
fi

# Ralph, an xAPI LRS, for the export tests (in .venv-lrs; the tests skip without it).
bash Tools/lrs/setup.sh
