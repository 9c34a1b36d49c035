#!/usr/bin/env bash
# Lab server load benchmark (issue 14): N simulated workstations streaming live to `hazlab serve`.
#   Tools/bench/lab/run.sh [N ...]            default: 60
# Env: HAZLAB_BIN (default /tmp/ci14/.build/release/hazlab, else .build/release/hazlab),
#      BENCH_GAP_MIN / BENCH_GAP_MAX (seconds of simulated time between actions, default 2 / 8),
#      BENCH_LIVE=1: a teacher also watches the class's live grid (server-sent events); prints the
#      delay from each action line's send to the first grid event showing it (p50/p99/max ms).
# Each N gets a fresh server and store. Prints one table row per N; raw JSON in $OUT/nN/result.json.
# Columns: fsync->ack of header+action lines (p50/p90/p99), allp99/maxms = all lines incl. the
# trailer (whose ack waits for grading), trlp99ms = trailer only, cpu%1c = server CPU (utime+stime)
# over the streaming phase in % of one core, graded = graded/of those live, errors = refused
# lines, failed connections, teacher poll failures.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"; cd "$ROOT"
BIN="${HAZLAB_BIN:-/tmp/ci14/.build/release/hazlab}"
[ -x "$BIN" ] || BIN="$ROOT/.build/release/hazlab"
[ -x "$BIN" ] || { echo "run.sh: no hazlab binary (set HAZLAB_BIN or swift build -c release)" >&2; exit 2; }
VENV="$ROOT/.venv-bench"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import websockets, cryptography' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q websockets cryptography
fi
OUT="${BENCH_OUT:-$(mktemp -d /tmp/hazlab-labbench.XXXXXX)}"; mkdir -p "$OUT"
NS=("$@"); [ ${#NS[@]} -gt 0 ] || NS=(60)
printf '%5s %6s %6s %6s %6s %7s %7s %8s %6s %7s %6s %6s\n' N lines p50ms p90ms p99ms allp99 maxms trlp99ms cpu%1c graded errors wall_s
for N in "${NS[@]}"; do
  D="$OUT/n$N"; rm -rf "$D"; mkdir -p "$D/journals"
  cat > "$D/lab.yaml" <<YAML
bind: 127.0.0.1
port: 0
store: $D/lab.sqlite
scenarios: $ROOT/Scenarios
testing: true
bcryptCost: 4
lockout:
  perAddressPerMinute: 100000
limits:
  connections: 4096
YAML
  "$BIN" lab demo --config "$D/lab.yaml" > "$D/demo.log" 2>&1
  "$BIN" serve --config "$D/lab.yaml" > "$D/serve.out" 2> "$D/serve.err" &
  SPID=$!
  for _ in $(seq 1 300); do grep -q 'listening on' "$D/serve.out" 2>/dev/null && break; sleep 0.1; done
  BASE=$(grep -o 'http://[0-9.]*:[0-9]*' "$D/serve.out" | head -1)
  [ -n "$BASE" ] || { echo "run.sh: server did not start (see $D/serve.err)" >&2; kill "$SPID"; exit 1; }
  "$VENV/bin/python" Tools/bench/lab/loadgen.py --base "$BASE" --pid "$SPID" -n "$N" \
      --gap-min "${BENCH_GAP_MIN:-2}" --gap-max "${BENCH_GAP_MAX:-8}" ${BENCH_LIVE:+--live} --out "$D/journals" > "$D/result.json" 2> "$D/loadgen.err" || true
  sleep 2   # let the last gradings finish
  kill -TERM "$SPID"; wait "$SPID" || true
  "$VENV/bin/python" - "$D" "$N" <<'PY'
import json, sqlite3, sys
d, n = sys.argv[1], sys.argv[2]
try: r = json.load(open(f"{d}/result.json"))
except Exception: print(f"{n:>5} loadgen failed: see {d}/loadgen.err"); sys.exit(0)
db = sqlite3.connect(f"{d}/lab.sqlite")
graded = db.execute("select count(*) from lab_assignments where state='graded'").fetchone()[0]
live = db.execute("select count(*) from lab_assignments where state='graded' and live=1").fetchone()[0]
r["graded"] = graded; r["graded_live"] = live
json.dump(r, open(f"{d}/result.json", "w"))
f = lambda x: "-" if x is None else f"{x:.1f}"
print(f"{n:>5} {r['lines']:>6} {f(r['line_p50']):>6} {f(r['line_p90']):>6} {f(r['line_p99']):>6} {f(r['all_p99']):>6} {f(r['all_max']):>7} "
      f"{f(r['trailer_p99']):>8} {r['cpu_pct_one_core']:>6.1f} {graded:>4}/{live:<2} {r['errors']:>6} {r['wall_s']:>6}")
if r["errors"]: print("      errors:", r["error_samples"])
if "live_p50" in r:
    print(f"      live grid: {r['live_seen']} actions seen in {r['live_events']} events; send->grid p50 {f(r['live_p50'])} ms, "
          f"p99 {f(r['live_p99'])} ms, max {f(r['live_max'])} ms" + (f"; errors {r['live_errors']}" if r['live_errors'] else ""))
PY
done
echo "raw results: $OUT"
