#!/usr/bin/env bash
# Gas kernel benchmark: Swift kernel vs the C -O3 yardstick (same stencil, same order, same
# arithmetic; results are checked bit-identical), then the 30-minute replay CPU time.
# (GasNet.swift is the engine integration and needs the rest of the core; the kernel does not.)
# Usage: bash Tools/bench/gas/run.sh            (builds into .build-gas-bench/)
# Builds with swiftc directly (no Package.swift target needed); see Docs/verification/gas.md
# for the equivalent SwiftPM targets.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=.build-gas-bench
mkdir -p "$out"
CC=${CC:-cc}
"$CC" -O3 -ffp-contract=off -fPIC -c Tools/bench/gas/CGasBench/gas_kernel.c -o "$out/gas_kernel.o"
swiftc -O -wmo -module-name GasBench -I Tools/bench/gas/CGasBench/include \
  Tools/bench/gas/Sources/main.swift $(ls Sources/HazLabCore/Physics/Gas/*.swift | grep -v GasNet.swift) \
  Sources/HazLabCore/DetMath.swift Sources/HazLabCore/DetMathErfTables.swift Sources/HazLabCore/StateHash.swift \
  "$out/gas_kernel.o" -lm -o "$out/gas-bench"
echo "== kernel: Swift vs C ($("$CC" --version | head -1)), 1 species"
"$out/gas-bench" --species 1
echo "== kernel: Swift vs C, 2 species"
"$out/gas-bench" --species 2
echo "== 30-minute scenario replay (2 species, 10 x 7.5 x 3 m room)"
for k in 1 5 10; do "$out/gas-bench" --replay --every $k --scale 1; done
for k in 1 5 10; do "$out/gas-bench" --replay --every $k --scale 2; done
