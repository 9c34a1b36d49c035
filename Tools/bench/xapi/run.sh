#!/usr/bin/env bash
# xAPI export throughput (BENCHMARKS.md, "xAPI export"): client CPU to a sink that answers at
# once, and statements per second to a local Ralph, one PUT per statement vs batched POSTs,
# side by side in one run.
# Usage: bash Tools/bench/xapi/run.sh [SINK_ATTEMPTS=2000] [RALPH_ATTEMPTS=60]
# Needs .venv-lrs (Tools/lrs/setup.sh). HAZLAB=path/to/hazlab to skip the release build.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
sink_n=${1:-2000}
ralph_n=${2:-60}
lrs_py=${HAZLAB_LRS_PYTHON:-$root/.venv-lrs/bin/python}
if [ -z "${HAZLAB:-}" ]; then
  swift build -c release --product hazlab >/dev/null
  HAZLAB=$root/.build/release/hazlab
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
export BENCH_PW=bench-pass

runs=()
for d in Scenarios/*/runs; do for j in "$d"/*.jsonl; do runs+=("$root/$j"); done; done
(cd "$work" && "$HAZLAB" grade --scenarios "$root/Scenarios" --keys "$root/Tools/demo-keys/keys.json" \
  --store base.sqlite --out g "${runs[@]}" >/dev/null)
chmod 600 "$work/base.sqlite"

# export STORE ENDPOINT BATCH -> "wall user sys statements"
export_once() {
  local store=$1 endpoint=$2 batch=$3 t
  /usr/bin/time -o "$work/time" -f "%e %U %S" "$HAZLAB" export --to xapi --store "$store" --endpoint "$endpoint" \
    --user bench --password-env BENCH_PW --batch "$batch" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  t=$(tail -1 "$work/time")
  local n
  n=$("$lrs_py" -c "import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from outbox where destination='xapi' and status='delivered'\").fetchone()[0])" "$store")
  echo "$t $n"
}

echo "== client CPU to an instant sink ($sink_n attempts)"
python3 Tools/bench/xapi/sink.py >"$work/sink.port" & pids+=($!)
sleep 1
sink_port=$(head -1 "$work/sink.port")
for batch in 1 100 500; do
  python3 Tools/bench/xapi/fill-store.py "$work/base.sqlite" "$work/sink-$batch.sqlite" "$sink_n" >/dev/null
  chmod 600 "$work/sink-$batch.sqlite"
  read -r wall user sys n < <(export_once "$work/sink-$batch.sqlite" "http://127.0.0.1:$sink_port/xAPI/" "$batch")
  cpu=$(echo "$user + $sys" | bc -l)
  per=$(echo "$cpu * 1000 / $n" | bc -l)
  proj=$(echo "$cpu / $sink_n * 10000" | bc -l)
  printf "sink batch=%-4s statements=%-7s wall=%6.2fs cpu=%6.2fs  %.3f ms cpu/statement  projected 10,000 attempts: %.0f s cpu\n" \
    "$batch" "$n" "$wall" "$cpu" "$per" "$proj"
done

echo "== statements per second to a local Ralph ($ralph_n attempts)"
for batch in 1 500; do
  port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
  "$lrs_py" Tools/lrs/launcher.py --port "$port" --dir "$work/ralph-$batch" --user bench --password "$BENCH_PW" & pids+=($!)
  for _ in $(seq 1 300); do python3 -c "import sys,urllib.request;urllib.request.urlopen(sys.argv[1],timeout=1)" "http://127.0.0.1:$port/__heartbeat__" >/dev/null 2>&1 && break; sleep 0.3; done
  python3 Tools/bench/xapi/fill-store.py "$work/base.sqlite" "$work/ralph-$batch.sqlite" "$ralph_n" >/dev/null
  chmod 600 "$work/ralph-$batch.sqlite"
  read -r wall user sys n < <(export_once "$work/ralph-$batch.sqlite" "http://127.0.0.1:$port/xAPI/" "$batch")
  rate=$(echo "$n / $wall" | bc -l)
  proj=$(echo "$wall / $ralph_n * 10000 / 60" | bc -l)
  printf "ralph batch=%-4s statements=%-6s wall=%6.2fs  %7.1f statements/s  projected 10,000 attempts: %.0f min\n" \
    "$batch" "$n" "$wall" "$rate" "$proj"
done
