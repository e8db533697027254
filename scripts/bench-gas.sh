#!/usr/bin/env bash
# The gas-to-weight calibration (tests/js/bench-gas.mjs): nanoseconds per gas of the runtime's
# EVM for arithmetic, hashing, storage and each standard precompile, next to anvil (native
# revm), measured with eth_call on a release node. Release build; LUX_BIN=path/to/luxtensor
# skips building the node; BENCH_WORK_GAS=N sets the gas of each measured call (default 10M).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
if [ -z "${LUX_BIN:-}" ]; then
  cargo build --locked --release -p luxtensor --bin luxtensor
fi
export LUXTENSOR_BIN="${LUX_BIN:-$CARGO_TARGET_DIR/release/luxtensor}"
cd tests/js
node bench-gas.mjs
