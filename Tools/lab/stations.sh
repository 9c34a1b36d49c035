#!/usr/bin/env bash
# Scripted demo workstations for the demo lab (Tools/lab.sh): students s001–s003 at workstations
# ws-demo-1…3, each a real `hazlab-viewer --server --offscreen --realtime --script` process acting
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
{ sign_in s003; echo "choose tank-filling"; echo "expect session"; echo "wait 15"; echo "$careful"; } > "$work/s003.script"
pids=()
stop() { kill "${pids[@]}" 2>/dev/null; pkill -P $$ 2>/dev/null; exit 0; }
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
echo "demo stations: s001 at ws-demo-1 (teaching), s002 at ws-demo-2 (practice task), s003 at ws-demo-3 (free practice); logs in $work"
wait
