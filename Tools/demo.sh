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
# A student's growth record (学生成长档案), from the store.
$hazlab report student demo-mistakes --store "$out/results.sqlite" --scenarios Scenarios --out "$out/student-demo-mistakes.zh-CN.html"
echo "wrote $out/class.{zh-CN,en}.html, $out/student-demo-mistakes.zh-CN.html, $out/sheet-*.html, $out/attempts/*.html, $out/grades/results.{json,csv},"
echo "      $out/results.sqlite, $out/ilabx/*.json and $out/csv/{attempts,steps}.csv"
echo
echo "== the data center: xAPI statements (cmi5 meaning) to a local Ralph LRS, then again (nothing new)"
if [ -x .venv-lrs/bin/python ]; then
  port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
  .venv-lrs/bin/python Tools/lrs/launcher.py --port "$port" --dir "$out/lrs" --user demo --password demo-pass >"$out/lrs.log" 2>&1 &
  lrs_pid=$!
  trap 'kill $lrs_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do python3 -c "import sys,urllib.request;urllib.request.urlopen(sys.argv[1],timeout=1)" "http://127.0.0.1:$port/__heartbeat__" >/dev/null 2>&1 && break; sleep 0.3; done
  export DEMO_LRS_PASSWORD=demo-pass
  for _ in 1 2; do
    $hazlab export --to xapi --store "$out/results.sqlite" --endpoint "http://127.0.0.1:$port/xAPI/" --user demo --password-env DEMO_LRS_PASSWORD
  done
  $hazlab export --status --store "$out/results.sqlite"
  kill $lrs_pid 2>/dev/null || true
else
  echo "(skipped: no .venv-lrs; bash Tools/lrs/setup.sh installs Ralph)"
fi
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
echo
echo "== the school lab: a demo server with a demo class (loopback, throwaway store)"
lab_port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
lab_dir=$(cd "$out" && pwd)
rm -f "$lab_dir/lab.sqlite"*
printf 'bind: 127.0.0.1\nport: %s\nstore: %s\nscenarios: %s\n' "$lab_port" "$lab_dir/lab.sqlite" "$PWD/Scenarios" > "$out/lab.yaml"
$hazlab lab demo --config "$out/lab.yaml"
$hazlab serve --config "$out/lab.yaml" > "$out/lab.log" 2>&1 &
lab_pid=$!
for _ in $(seq 1 100); do python3 -c "import sys,urllib.request;urllib.request.urlopen(sys.argv[1],timeout=1)" "http://127.0.0.1:$lab_port/health" >/dev/null 2>&1 && break; sleep 0.3; done
python3 Tools/lab/demo-tour.py "http://127.0.0.1:$lab_port"
kill -TERM $lab_pid; wait $lab_pid && echo "lab server stopped cleanly (SIGTERM, exit 0); its log: $out/lab.log"
echo "keep one running: $hazlab serve --config $out/lab.yaml   (Docs/lab.md)"
