#!/usr/bin/env bash
# Finality latency and block propagation on the 4-validator local testnet (500 ms slots):
# starts scripts/local-testnet.sh, lets it settle, then for SECONDS (default 60) measures, per
# block, the time from the start of its slot until each node has it and until it is final.
# LUX_PROFILE=debug uses the debug build; LUX_BIN an existing binary.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_MEASURE="${1:-60}"
export LUX_TESTNET_DIR="${LUX_TESTNET_DIR:-$(mktemp -d /tmp/luxtensor-bench-XXXX)}"
rm -rf "$LUX_TESTNET_DIR"/*
scripts/local-testnet.sh > "$LUX_TESTNET_DIR/testnet.out" 2>&1 &
TESTNET=$!
trap 'kill $TESTNET 2>/dev/null; wait $TESTNET 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    if grep -q "the testnet runs" "$LUX_TESTNET_DIR/testnet.out" 2>/dev/null; then break; fi
    sleep 1
done
sleep 10 # connections, first blocks
node scripts/bench-finality.mjs "$SECONDS_TO_MEASURE" 500 \
    ws://127.0.0.1:9944 ws://127.0.0.1:9945 ws://127.0.0.1:9946 ws://127.0.0.1:9947 ws://127.0.0.1:9948
