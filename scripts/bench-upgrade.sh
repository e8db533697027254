#!/usr/bin/env bash
# What a runtime upgrade costs on a dev node (release build): the dry run
# (`luxtensor try-runtime` against the live node) and the time from the block that installs
# the spec_version + 1 test runtime to the first block running it (compilation and migration
# included). LUX_BIN=path/to/luxtensor skips building the node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build --locked --release -p luxtensor -p luxtensor-tests --bin luxtensor --bin lux-bench-upgrade
export LUXTENSOR_BIN="${LUX_BIN:-$CARGO_TARGET_DIR/release/luxtensor}"
"$CARGO_TARGET_DIR/release/lux-bench-upgrade"
