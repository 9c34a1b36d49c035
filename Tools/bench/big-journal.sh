#!/usr/bin/env bash
# Peak memory and CPU time of `hazlab grade` on one generated journal of many actions
# (issue 12), for one or more hazlab binaries side by side:
#   bash Tools/bench/big-journal.sh ACTIONS BINARY...
# e.g. bash Tools/bench/big-journal.sh 1000000 /tmp/hazlab-before .build/debug/hazlab
# The journal is format 2, chained, tank-filling, ACTIONS `set` actions over 500 s. Each
# binary grades it with limits raised above its size (when it has the options) and, for
# binaries with limits, once more under the default limits.
set -euo pipefail
n=$1; shift
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" "$root/Scenarios/tank-filling/scenario.yaml" "$work/big.jsonl" <<'PY'
import hashlib, json, sys
n, scenario, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sha = hashlib.sha256(open(scenario, 'rb').read()).hexdigest()
with open(out, 'wb') as f:
    head = json.dumps({"type": "header", "format": 2, "engine": "0.1.0", "scenario": "tank-filling", "scenarioSHA256": sha,
                       "seed": 7, "mode": "practice", "student": "s001", "workstation": "ws-01", "attempt": "big-%d" % n,
                       "started": "2026-11-29T08:30:00.000Z", "key": ""}, separators=(',', ':')).encode()
    f.write(head + b"\n"); prev = hashlib.sha256(head).hexdigest()
    for i in range(n):
        line = ('{"type":"action","tick":%d,"verb":"set","target":"XV101","value":%s,"prev":"%s"}'
                % (i * 5000 // n, "0.5" if i % 2 else "0.25", prev)).encode()
        f.write(line + b"\n"); prev = hashlib.sha256(line).hexdigest()
    f.write(('{"type":"trailer","endTick":6000,"stateHash":"0123456789abcdef","actions":%d,"prev":"%s"}\n' % (n, prev)).encode())
PY
size=$(stat -c %s "$work/big.jsonl")
echo "journal: $n actions, $size bytes"
printf '%-40s %-8s %12s %10s %8s\n' binary limits "peak RSS MB" "CPU s" "exit"
k=0
for bin in "$@"; do
  k=$((k + 1))
  runs=("raised")
  has_limits=no
  # Read the help whole (grep -q would close the pipe early: SIGPIPE under pipefail).
  if "$bin" grade --help 2>&1 | grep -c -- --max-actions > /dev/null; then has_limits=yes; runs+=("default"); fi
  for mode in "${runs[@]}"; do
    extra=()
    [ "$mode" = raised ] && [ $has_limits = yes ] && extra=(--max-actions $((n + 1)) --max-journal-bytes $((size + 1)))
    set +e
    /usr/bin/time -f "%M %U %S" -o "$work/time" "$bin" grade --scenarios "$root/Scenarios/tank-filling" --jobs 1 \
      --out "$work/out-$k-$mode" "${extra[@]}" "$work/big.jsonl" > /dev/null 2> "$work/err"
    rc=$?
    set -e
    read -r rss user sys < <(tail -1 "$work/time")
    printf '%-40s %-8s %12.0f %10.2f %8s\n' "$bin" "$mode" "$(echo "$rss / 1024" | bc -l)" "$(echo "$user + $sys" | bc -l)" "$rc"
  done
done
if [ $# -ge 2 ] && [ -f "$work/out-1-raised/results.json" ] && [ -f "$work/out-2-raised/results.json" ]; then
  cmp -s "$work/out-1-raised/results.json" "$work/out-2-raised/results.json" && echo "results.json: identical" || echo "results.json: DIFFER"
fi
