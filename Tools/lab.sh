#!/usr/bin/env bash
# The demo lab: a school lab server (hazlab serve) on http://127.0.0.1:8080 with a demo class —
# teacher `teacher`, students s001–s003, password `demo-pass-1`, workstation `ws-demo`, tasks in
# teaching, practice and exam mode — and three scripted workstations (s001–s003 at ws-demo-1…3)
# acting live, so the teacher station (http://127.0.0.1:8080/teacher) has a class to watch.
# A fresh throwaway store each time. Ctrl-C (or SIGTERM) stops it all.
#   bash Tools/lab.sh [--no-stations]
# Then, for a workstation of your own: bash Tools/workstation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
stations=1
[ "${1:-}" = "--no-stations" ] && stations=0
bash Tools/setup.sh
swift build -c release --product hazlab
[ $stations = 1 ] && swift build -c release --product hazlab-viewer
config=Tools/deploy/lab/demo.yaml
store=$(sed -n 's/^store: *//p' "$config")
port=$(sed -n 's/^port: *//p' "$config")
# The store and everything hazlab keeps beside it (WAL, audit head, streamed journals, demo keys).
rm -rf "$store" "$store"-wal "$store"-shm "$store".audit-head "$store".journals "$store".keys
.build/release/hazlab lab demo --config "$config"
if [ $stations = 1 ]; then
  mkdir -p "$store".keys
  for k in 1 2 3; do
    .build/release/hazlab keys generate --id "ws-demo-$k" --out "$store".keys > /dev/null
    .build/release/hazlab lab workstation --config "$config" --public "$store.keys/ws-demo-$k.pub"
  done
fi
.build/release/hazlab serve --config "$config" &
server=$!
children=("$server")
trap 'kill "${children[@]}" 2>/dev/null; wait' INT TERM EXIT
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || exit 1
  sleep 0.2
done
if [ $stations = 1 ]; then
  bash Tools/lab/stations.sh "http://127.0.0.1:$port" "$config" "$store".keys &
  children+=($!)
fi
echo "the demo lab: http://127.0.0.1:$port (Docs/lab.md)"
echo "the teacher station: http://127.0.0.1:$port/teacher — sign in as teacher / demo-pass-1 (Docs/teacher-station.md)"
echo "Ctrl-C stops it"
wait "$server"
