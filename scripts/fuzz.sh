#!/usr/bin/env bash
# Fuzzes every decoder and checker that takes outside bytes (fuzz/fuzz_targets: extrinsics
# and their validation, runtime API inputs, Ethereum transactions, headers and their checks,
# finality votes and commits, every network message: gossiped blocks and transaction
# batches, block requests and responses, and chain spec files) with cargo-fuzz (libFuzzer),
# each for SECONDS from its seed corpus (fuzz/corpus/<target>). A crash, a panic, a leak over
# the memory limit or a timeout fails the run; its input is kept in fuzz/artifacts/<target>/
# (turn it into a regression test, and add it to the corpus).
#
#   scripts/fuzz.sh                       # every target, 30 s each (what CI runs)
#   scripts/fuzz.sh --seconds 3600 header # a campaign
#
# Corpora grow in $FUZZ_DIR/corpus (default ~/.cache/luxtensor/fuzz), not in the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=30
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if ! command -v cargo-fuzz >/dev/null; then
    echo "==> installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi
work="${FUZZ_DIR:-$HOME/.cache/luxtensor/fuzz}"
mkdir -p "$work"
# The runtime is fuzzed natively: no wasm build. Stable Rust, no sanitizer (the code under
# test is safe Rust); debug assertions and overflow checks are on.
export SKIP_WASM_BUILD=1
fuzz=(cargo fuzz)
build_flags=(--sanitizer none --debug-assertions --target-dir "$work/target")
# The fuzz workspace has its own lock file; like the main build, it must not change under us.
if ! (cd fuzz && cargo metadata --locked --format-version 1 >/dev/null); then
    echo "fuzz/Cargo.lock is out of date: run \`cargo metadata --format-version 1\` in fuzz/ and commit it" >&2
    exit 1
fi
echo "==> building the fuzz targets"
(cd fuzz && "${fuzz[@]}" build "${build_flags[@]}")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cd fuzz && "${fuzz[@]}" list)
fi
for target in "${targets[@]}"; do
    corpus="$work/corpus/$target"
    mkdir -p "$corpus"
    echo "==> fuzzing $target for ${seconds} s"
    log="$work/$target.log"
    if ! (cd fuzz && "${fuzz[@]}" run "${build_flags[@]}" "$target" "$corpus" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1)
    then
        tail -n 60 "$log" >&2
        echo "fuzz target $target failed; its input (if any) is in fuzz/artifacts/$target" >&2
        exit 1
    fi
    grep -E "^#[0-9]+.*(INITED|DONE)|^stat::(number_of_executed_units|peak_rss_mb)" "$log" || true
done
echo "==> every target ran ${seconds} s without a failure"
