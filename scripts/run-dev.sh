#!/usr/bin/env bash
# Sets up the machine, builds the node (release) and runs a development chain: one validator
# (alice), a block every second, dev accounts funded, RPC on ws://127.0.0.1:9944.
# Extra arguments go to the node, e.g. `scripts/run-dev.sh --dev-block-time 200`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build --locked --release -p luxtensor
exec "$CARGO_TARGET_DIR/release/luxtensor" --dev "$@"
