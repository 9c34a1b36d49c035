#!/usr/bin/env bash
# The demo: build, check every bundled scenario, replay and grade its recorded runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product hazlab
hazlab=.build/release/hazlab
$hazlab check Scenarios
for scenario in Scenarios/*/; do
  for journal in "$scenario"runs/*.jsonl; do
    [ -e "$journal" ] || continue
    echo
    echo "=== $journal"
    $hazlab run "$scenario" --journal "$journal"
  done
done
echo
$hazlab test Scenarios
