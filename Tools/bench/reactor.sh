#!/usr/bin/env bash
# Per-tick cost of the energy-conserving reactor integrator (release build, thread CPU time),
# side by side in one run: the tank-filling demo (no reactor) as the reference, the
# reactor-cooling-loss runs, and a batch that runs away (quiet vs runaway ticks).
# Usage: bash Tools/bench/reactor.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product hazlab-bench >/dev/null
.build/release/hazlab-bench --reactor --repeat "${1:-20}" \
  --scenario Scenarios/tank-filling --journal Scenarios/tank-filling/runs/perfect.jsonl \
  --scenario Scenarios/reactor-cooling-loss --journal Scenarios/reactor-cooling-loss/runs/perfect.jsonl \
  --scenario Scenarios/reactor-cooling-loss --journal Scenarios/reactor-cooling-loss/runs/fatal.jsonl \
  --scenario Tools/bench/scenarios/reactor --journal none \
  --scenario Tools/bench/scenarios/reactor-runaway --journal none
