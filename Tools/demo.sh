#!/usr/bin/env bash
# The demo: build, check every bundled scenario, replay its golden runs, grade every recorded
# run in one batch, and write the class report and one attempt report per run.
# Output goes to demo-out/ (override with OUT=DIR). Open demo-out/*.html in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product hazlab
hazlab=.build/release/hazlab
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
$hazlab grade --scenarios Scenarios Scenarios/*/runs --jobs 2 --out "$out/grades"
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
echo "wrote $out/class.{zh-CN,en}.html, $out/sheet-*.html, $out/attempts/*.html and $out/grades/results.{json,csv}"
echo
echo "== one attempt in the terminal"
$hazlab run Scenarios/tank-filling --journal Scenarios/tank-filling/runs/mistakes.jsonl
