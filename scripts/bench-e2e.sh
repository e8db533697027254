#!/usr/bin/env bash
# End-to-end transfer throughput of real nodes (release build): starts a dev node, or the
# 4-validator local testnet with `--network local`, funds accounts, pre-signs transfers,
# submits them over several WebSocket connections at a target rate, and reports accepted,
# included and finalized transfers per second, latencies (p50/p99), missed slots, peak and
# idle RSS and database growth. Writes summary.txt, blocks.csv and blocks.png (transfers per
# block and finality lag) to --out (default bench-e2e/<network>).
#
#   scripts/bench-e2e.sh                          # dev node, 6,000/s for 60 s
#   scripts/bench-e2e.sh --network local --rate 3500 --duration 60
#   scripts/bench-e2e.sh --node-args "--state-pruning archive"
#
# LUX_BIN=path/to/luxtensor skips building the node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
if ! command -v gnuplot >/dev/null; then
    echo "==> installing gnuplot (for the plot)"
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq gnuplot-nox >/dev/null || true
    else sudo apt-get install -y -qq gnuplot-nox >/dev/null || true; fi
fi
network=dev
out=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --network) network="$2"; args+=("$1" "$2"); shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
out="${out:-bench-e2e/$network}"
cargo build --locked --release -p luxtensor -p luxtensor-tests --bin luxtensor --bin lux-bench
export LUXTENSOR_BIN="${LUX_BIN:-$CARGO_TARGET_DIR/release/luxtensor}"
"$CARGO_TARGET_DIR/release/lux-bench" "${args[@]}" --out "$out"
if command -v gnuplot >/dev/null; then
    gnuplot -e "csv='$out/blocks.csv'; png='$out/blocks.png'; title='$network'" scripts/bench-e2e.gnuplot
    echo "plot: $out/blocks.png"
fi
