#!/usr/bin/env bash
# Soak: the 4-validator local testnet under steady load for a long time (default 30 min at
# 150 transfers/s), sampling every node's memory, file descriptors and database size and the
# finality lag every 10 s. Writes summary.txt, blocks.csv, samples.csv, blocks.png and
# soak.png to --out (default soak/). Any extra option goes to lux-bench (see
# scripts/bench-e2e.sh), for example `--rate 300` or `--duration 600`.
#
# LUX_BIN=path/to/luxtensor skips building the node.
set -euo pipefail
cd "$(dirname "$0")/.."
out=soak
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
scripts/bench-e2e.sh --network local --rate 150 --duration 1800 --accounts 500 \
    --sample-every 10 --out "$out" "${args[@]}"
if command -v gnuplot >/dev/null; then
    gnuplot -e "csv='$out/samples.csv'; png='$out/soak.png'; title='4 validators'" scripts/soak.gnuplot
    echo "plot: $out/soak.png"
fi
