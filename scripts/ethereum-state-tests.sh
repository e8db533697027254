#!/usr/bin/env bash
# Runs the EVM pallet against every Ethereum state test (the GeneralStateTests of
# ethereum/tests, Cancun post-states), not only the subset vendored in
# pallets/evm/tests/state. With no argument it clones ethereum/tests (about 1 GB, needs the
# network) into ~/.cache/luxtensor/ethereum-tests once; or give it a GeneralStateTests folder.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
dir="${1:-}"
if [ -z "$dir" ]; then
    checkout="$HOME/.cache/luxtensor/ethereum-tests"
    if [ ! -d "$checkout/.git" ]; then
        git clone --depth 1 https://github.com/ethereum/tests "$checkout"
    fi
    dir="$checkout/GeneralStateTests"
fi
ETHEREUM_STATE_TESTS="$(realpath "$dir")" \
    cargo test --locked -p pallet-evm --lib state_tests -- --nocapture
