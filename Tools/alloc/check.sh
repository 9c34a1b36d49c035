#!/usr/bin/env bash
# Heap allocations per tick of every golden run, in the release build: builds the LD_PRELOAD
# counter (count-malloc.c) and hazlab-bench, then runs `hazlab-bench --allocations` under it.
# Fails when any tick allocates (HAZLAB_ALLOC_TICKS=1 lists them).
#   bash Tools/alloc/check.sh [SCENARIOS_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .build
cc -shared -fPIC -O2 -o .build/count-malloc.so Tools/alloc/count-malloc.c
swift build -c release --product hazlab-bench
LD_PRELOAD="$PWD/.build/count-malloc.so" .build/release/hazlab-bench --allocations --scenarios "${1:-Scenarios}"
