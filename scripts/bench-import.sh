#!/usr/bin/env bash
# Block import throughput: a block of 2,000 signed transfers imported through the wasm
# runtime, the state trie and RocksDB (release build). Prints criterion's report, including
# transfers per second ("thrpt").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo bench --locked -p lux-chain --bench import -- "$@"
