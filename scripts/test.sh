#!/usr/bin/env bash
# Sets up the machine, builds the node, and runs every test: unit tests of every crate,
# native-vs-wasm runtime tests, end-to-end tests that start real nodes on loopback, and the
# JavaScript client tests (tests/js: @polkadot/api and polkadot-api against a real node),
# and every fuzz target for 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
# The node's build and the tests' build must not compile the same crates twice.
scripts/check-feature-sets.sh
echo "==> building the node"
cargo build --locked -p luxtensor
echo "==> running the tests"
cargo test --locked --workspace --all-targets
cargo test --locked --workspace --doc
# The sudo pallet as the spec_version + 1 test runtime builds it (its migration).
cargo test --locked -p pallet-sudo --features next-version
echo "==> fuzzing every decoder for 30 s (scripts/fuzz.sh)"
scripts/fuzz.sh --seconds 30
echo "==> running the JavaScript client tests (@polkadot/api, polkadot-api)"
(cd tests/js && LUXTENSOR_BIN="$CARGO_TARGET_DIR/debug/luxtensor" npm test)
