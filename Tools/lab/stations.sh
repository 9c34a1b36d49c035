#!/usr/bin/env bash
# Scripted demo workstations for the demo lab (Tools/lab.sh): students s001–s003 at workstations
# ws-demo-1…3 (s001 teaching and s002 practice tasks of tank-filling, s003 free practice of
# reactor-cooling-loss), each a real `hazlab-viewer --server --offscreen --realtime --script` process acting
# at a student's pace, one attempt after another, so the teacher station has a class to watch.
#   bash Tools/lab/stations.sh URL CONFIG KEYDIR
# The workstation keys in KEYDIR must be registered (Tools/lab.sh does it before the server starts).
# Stops (with its viewers) on SIGTERM/SIGINT.
set -uo pipefail
cd "$(dirname "$0")/../.."
url=$1 config=$2 keys=$3
bin=${HAZLAB_BIN_DIR:-.build/release}   # where hazlab and hazlab-viewer are
viewer=$bin/hazlab-viewer
work=$(mktemp -d /tmp/hazlab-demo-stations.XXXXXX)
task_id() {   # the demo class's task of MODE (hazlab lab task --list prints: id class scenario mode state …)
  "$bin"/hazlab lab task --config "$config" --list --class demo-class | awk -v m="$1" '$4 == m && $5 == "open" { print $1; exit }'
}
teaching=$(task_id teaching) practice=$(task_id practice)
sign_in() { printf 'type %s\ntap tab\ntype demo-pass-1\ntap enter\nexpect tasks\n' "$1"; }
# One attempt of tank-filling at a student's pace: PPE, to the tank farm, the inlet, the pump.
careful='click-entity helmet
menu 1
wait 4
click-entity gloves
menu 1
wait 3
click-entity goggles
menu 1
wait 5
click-entity tank_farm
menu 1
wait 8
look-at LT101
click-entity LT101
menu 2
wait 6
look-at XV101
click-entity XV101
menu 1
wait 8
look-at P101
click-entity P101
menu 1
wait 40
click-entity P101
menu 2
wait 6
submit
expect result
wait 8'
hasty='click-entity tank_farm
menu 1
wait 6
look-at P101
click-entity P101
menu 1
wait 10
look-at XV101
click-entity XV101
menu 1
wait 50
click-entity P101
menu 2
wait 5
submit
expect result
wait 8'
{ sign_in s001; echo "choose ${teaching:-tank-filling}"; echo "expect session"; echo "$careful"; } > "$work/s001.script"
{ sign_in s002; echo "choose ${practice:-tank-filling}"; echo "expect session"; echo "$hasty"; } > "$work/s002.script"
# s003 practises the reactor (a plan to watch, and faults the teacher may inject: cw_pump_trip,
# tt101_freezes); the student puts on PPE, tries the brine pump from the wrong place, then waits.
reactor='click-entity helmet
menu 1
wait 3
click-entity face_shield
menu 1
wait 3
click-entity acid_gloves
menu 1
wait 8
look-at P201A
click-entity P201A
menu 1
wait 240
submit
expect result
wait 8'
{ sign_in s003; echo "choose reactor-cooling-loss"; echo "expect session"; echo "$reactor"; } > "$work/s003.script"
pids=()
stop() {   # the loops, and the viewer each loop is waiting for
  for p in "${pids[@]}"; do pkill -TERM -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
  exit 0
}
trap stop TERM INT
for k in 1 2 3; do
  (
    while true; do
      "$viewer" --server "$url" --key "$keys/ws-demo-$k.key" --offscreen --realtime --size 960x540 \
        --script "$work/s00$k.script" --journals "$work/journals-$k" >> "$work/ws-demo-$k.log" 2>&1
      sleep 3
    done
  ) &
  pids+=($!)
done
echo "demo stations: s001 at ws-demo-1 (teaching), s002 at ws-demo-2 (practice task), s003 at ws-demo-3 (free practice, reactor-cooling-loss); logs in $work"
wait
