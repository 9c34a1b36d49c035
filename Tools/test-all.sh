#!/usr/bin/env bash
# Sets up and runs every test: unit and integration tests (swift test), then the golden runs
# of every bundled scenario through the release CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
export HAZLAB_PYTHON="$PWD/.venv/bin/python"
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/swift-test.log
# The teacher station in headless Chromium (Debian's chromium, chromium-driver, python3-selenium:
# the system Python holds them). Skips with a message when they are missing, except under CI.
browser_python="$(command -v /usr/bin/python3 || command -v python3)"
HAZLAB_ARTIFACTS="${HAZLAB_ARTIFACTS:-$PWD/.build/artifacts}" "$browser_python" Tools/browser/teacher_test.py
HAZLAB_ARTIFACTS="${HAZLAB_ARTIFACTS:-$PWD/.build/artifacts}" "$browser_python" Tools/browser/debrief_test.py
swift build -c release --product hazlab
.build/release/hazlab check --quiet --werror Scenarios
.build/release/hazlab test Scenarios
# No heap allocation on a quiet tick of any golden run (release build, LD_PRELOAD counter).
bash Tools/alloc/check.sh
# The Slurm job array (Tools/deploy/slurm) on a real single-node Slurm started for the test: the
# merged output must be byte for byte one unsharded grade. Skips with a message without slurm-wlm,
# munge or root, except under CI (HAZLAB_SLURM_REQUIRED=1).
bash Tools/deploy/slurm/test-slurm.sh .build/release/hazlab
