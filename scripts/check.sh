#!/usr/bin/env bash
# Before pushing: formatting, lints with warnings as errors, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
scripts/test.sh
