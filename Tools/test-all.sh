#!/usr/bin/env bash
# Sets up and runs every test: unit and integration tests (swift test), then the golden runs
# of every bundled scenario through the release CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
export HAZLAB_PYTHON="$PWD/.venv/bin/python"
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/swift-test.log
swift build -c release --product hazlab
.build/release/hazlab check --quiet --werror Scenarios
.build/release/hazlab test Scenarios
