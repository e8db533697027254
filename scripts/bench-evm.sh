#!/usr/bin/env bash
# The EVM side by side with anvil (the `@foundry-rs/anvil` npm package, run offline): the same
# work on both, in one run (tests/js/bench-evm.mjs): EVM gas per second of an ERC-20 transfer
# loop, eth_call latency, deploy-to-receipt latency, and value and ERC-20 transfers per second
# included. With --gas, the gas-to-weight calibration instead (tests/js/bench-gas.mjs):
# nanoseconds per gas of arithmetic, hashing, storage and each standard precompile.
# Release build; LUX_BIN=path/to/luxtensor skips building the node; BENCH_TRANSFERS=N sets the
# transfers per run (default 6000), BENCH_WORK_GAS=N the gas of each --gas call (default 10M).
set -euo pipefail
cd "$(dirname "$0")/.."
bench=bench-evm.mjs
[ "${1:-}" = --gas ] && bench=bench-gas.mjs
scripts/setup.sh
. scripts/env.sh
if [ -z "${LUX_BIN:-}" ]; then
  cargo build --locked --release -p luxtensor --bin luxtensor
fi
export LUXTENSOR_BIN="${LUX_BIN:-$CARGO_TARGET_DIR/release/luxtensor}"
cd tests/js
node "$bench"
