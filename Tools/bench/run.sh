#!/usr/bin/env bash
# Benchmarks the demo replay: realtime factor (CPU time) and instructions per tick (callgrind).
# Usage: bash Tools/bench/run.sh [SCENARIO_DIR] [JOURNAL]
set -euo pipefail
cd "$(dirname "$0")/../.."
scenario=${1:-Scenarios/tank-filling}
journal=${2:-$scenario/runs/perfect.jsonl}
swift build -c release --product hazlab-bench >/dev/null
bench=.build/release/hazlab-bench
echo "== realtime factor (release, CPU time), side by side in one run"
$bench --scenario "$scenario" --journal "$journal" --repeat 300
idle=$scenario/runs/idle.jsonl
if [ -e "$idle" ] && [ "$idle" != "$journal" ]; then
  $bench --scenario "$scenario" --journal "$idle" --repeat 300
fi
echo "== per domain: 30-minute idle attempts (Tools/bench/scenarios)"
$bench --scenario Tools/bench/scenarios/substation --journal none --repeat 20
$bench --scenario Tools/bench/scenarios/reactor --journal none --repeat 5
$bench --scenario Tools/bench/scenarios/gas-room --journal none --repeat 5
if command -v valgrind >/dev/null; then
  echo "== instructions per tick (callgrind)"
  out=$(mktemp -d)
  # valgrind 3.19 cannot read the DWARF that Swift emits: count a stripped copy.
  cp "$bench" "$out/bench" && strip "$out/bench"
  count() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" "$out/bench" --once "$@" \
      --scenario "$scenario" --journal "$journal" >"$out/stdout" 2>"$out/stderr"
    grep -E '^(summary|totals):' "$out/cg.out" | head -1 | awk '{print $2}'
  }
  full=$(count)
  ticks=$(awk '{print $2}' "$out/stdout")
  base=$(count --skip-replay)
  echo "instructions_total $full baseline $base ticks $ticks"
  echo "instructions_per_tick $(( (full - base) / ticks ))"
  rm -rf "$out"
else
  echo "valgrind not installed: skipping instruction counts"
fi
