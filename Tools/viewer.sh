#!/usr/bin/env bash
# Opens the student workstation on a scenario (default: the tank-filling demo, practice mode):
#   bash Tools/viewer.sh [SCENARIO] [hazlab-viewer options…]
# Journals go to journals/; results to ./hazlab-results.sqlite. Without a display it renders
# one offscreen frame instead (viewer.png) and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product hazlab-viewer
scenario=${1:-Scenarios/tank-filling}
[ $# -gt 0 ] && shift
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec .build/release/hazlab-viewer "$scenario" --mode practice --store hazlab-results.sqlite "$@"
fi
echo "no display: rendering one offscreen frame of $scenario to viewer.png (set DISPLAY to open the window)"
exec .build/release/hazlab-viewer "$scenario" --offscreen --screenshot viewer.png --size 1280x720 "$@"
