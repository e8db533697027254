#!/usr/bin/env bash
# Sets up the machine, builds the node, and runs every test: unit tests of every crate,
# native-vs-wasm runtime tests, and end-to-end tests that start real nodes on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
echo "==> building the node"
cargo build --locked -p luxtensor
echo "==> running the tests"
cargo test --locked --workspace --all-targets
cargo test --locked --workspace --doc
