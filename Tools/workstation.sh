#!/usr/bin/env bash
# A student workstation signed in to a lab server (default: the demo lab of Tools/lab.sh):
#   bash Tools/workstation.sh [URL] [hazlab-viewer options…]
# It uses the demo workstation key (registered by `hazlab lab demo`); sign in as s001 / demo-pass-1.
# Needs a display (or run it under xvfb-run); journals go to journals/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product hazlab-viewer
server=${1:-http://127.0.0.1:8080}
[ $# -gt 0 ] && shift
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "no display: the workstation needs a window (set DISPLAY, or run: xvfb-run -a bash Tools/workstation.sh)" >&2
  exit 2
fi
exec .build/release/hazlab-viewer --server "$server" --workstation ws-demo --key Tools/demo-keys/ws-demo.key "$@"
