#!/usr/bin/env bash
# Reruns the physics verification cases and redraws every plot in Docs/verification/.
# Usage: bash Tools/verification/run.sh   (about 2 minutes on 2 cores)
# The reactor's stiff reference is a committed fixture; regenerating it needs scipy:
#   /tmp/vref/bin/python Tools/verification/reactor_reference.py   (Docs/verification/process.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
export HAZLAB_VERIFICATION_OUT="$out"
swift build --build-tests >/dev/null
swift test --skip-build --filter 'GasDispersionTests|GasBuoyancyTests|FluidNetworkTests|ReactorTests|ElectricalTopologyTests|IsolationTests' 2>&1 \
  | grep -E "Executed [0-9]+ tests|error:" | tail -3
python3 Tools/verification/plot_gas.py "$out" Docs/verification
python3 Tools/verification/fluids_plots.py "$out" Docs/verification
python3 Tools/verification/reactor_plots.py "$out" Docs/verification
ls Docs/verification/*.svg | sed 's/^/wrote /'
rm -rf "$out"
