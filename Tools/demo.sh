#!/usr/bin/env bash
# The demo: build, check every bundled scenario, replay its golden runs, grade every recorded
# run in one batch, and write the class report and one attempt report per run.
# Output goes to demo-out/ (override with OUT=DIR). Open demo-out/*.html in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product hazlab
swift build -c release --product hazlab-viewer
hazlab=.build/release/hazlab
viewer=.build/release/hazlab-viewer
out=${OUT:-demo-out}
rm -rf "$out"
mkdir -p "$out/attempts"

echo "== check"
$hazlab check Scenarios
echo
echo "== golden runs"
$hazlab test Scenarios
echo
echo "== grade every recorded run (the score comes only from the replay)"
# Signed journals: the demo workstation's public key is in Tools/demo-keys/keys.json.
$hazlab grade --scenarios Scenarios Scenarios/*/runs --jobs 2 --out "$out/grades" \
  --keys Tools/demo-keys/keys.json --store "$out/results.sqlite"
echo
echo "== export for the data center (files; 'hazlab export --to xapi' sends to an LRS)"
$hazlab export --to ilabx --results "$out/grades" --appid 100400 --out "$out/ilabx" --store "$out/results.sqlite"
$hazlab export --to csv --results "$out/grades" --out "$out/csv" --store "$out/results.sqlite"
$hazlab store audit --store "$out/results.sqlite" | tail -3
echo
echo "== reports"
for lang in zh-CN en; do
  $hazlab report class "$out/grades" --out "$out/class.$lang.html" --lang "$lang"
done
for scenario in Scenarios/*/; do
  id=$(basename "$scenario")
  $hazlab doc "$scenario" --out "$out/sheet-$id.zh-CN.html"
  for journal in "$scenario"runs/*.jsonl; do
    [ -e "$journal" ] || continue
    $hazlab report attempt "$scenario" --journal "$journal" --out "$out/attempts/$id-$(basename "$journal" .jsonl).zh-CN.html"
  done
done
echo "wrote $out/class.{zh-CN,en}.html, $out/sheet-*.html, $out/attempts/*.html, $out/grades/results.{json,csv},"
echo "      $out/results.sqlite, $out/ilabx/*.json and $out/csv/{attempts,steps}.csv"
echo
echo "== the student's view: one offscreen frame per scenario, halfway through its mistakes run"
mkdir -p "$out/screens"
for scenario in Scenarios/*/; do
  id=$(basename "$scenario")
  run="$scenario/runs/mistakes.jsonl"
  [ -e "$run" ] || continue
  ticks=$(tail -1 "$run" | sed -n 's/.*"endTick":\([0-9]*\).*/\1/p')
  rate=$(sed -n 's/^tickRate: *\([0-9]*\).*/\1/p' "$scenario/scenario.yaml"); rate=${rate:-10}
  $viewer "$scenario" --offscreen --replay "$run" --at $(( ${ticks:-0} / rate / 2 )) --show-gas \
    --screenshot "$out/screens/$id.png" --size 1280x720
done
echo
echo "== one attempt in the terminal"
$hazlab run Scenarios/tank-filling --journal Scenarios/tank-filling/runs/mistakes.jsonl
