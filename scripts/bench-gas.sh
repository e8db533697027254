#!/usr/bin/env bash
# The gas-to-weight calibration: nanoseconds per gas of the runtime's EVM for each kind of work
# a contract can buy, next to anvil (see scripts/bench-evm.sh --gas).
exec "$(dirname "$0")/bench-evm.sh" --gas
