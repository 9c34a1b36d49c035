#!/usr/bin/env bash
# The demo lab: a school lab server (hazlab serve) on http://127.0.0.1:8080 with a demo class —
# teacher `teacher`, students s001–s003, password `demo-pass-1`, workstation `ws-demo`, a practice
# task and an open exam. A fresh throwaway store each time. Ctrl-C (or SIGTERM) stops it.
# Then open a workstation against it: bash Tools/workstation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product hazlab
config=Tools/deploy/lab/demo.yaml
store=$(sed -n 's/^store: *//p' "$config")
# The store and everything hazlab keeps beside it (WAL, audit head, streamed journals).
rm -rf "$store" "$store"-wal "$store"-shm "$store".audit-head "$store".journals
.build/release/hazlab lab demo --config "$config"
echo "the demo lab: http://127.0.0.1:8080 (Docs/lab.md) — Ctrl-C stops it"
exec .build/release/hazlab serve --config "$config"
