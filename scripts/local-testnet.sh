#!/usr/bin/env bash
# Runs the local testnet on this machine: the four validators of the local chain spec
# (alice, bob, charlie, dave) and one full node, all on loopback, each with its own base path
# and log under $LUX_TESTNET_DIR (default /tmp/luxtensor-testnet). Ctrl-C stops them all.
#
#   node      p2p     RPC (ws/http)
#   alice     30333   9944
#   bob       30334   9945
#   charlie   30335   9946
#   dave      30336   9947
#   full      30337   9948
#
# Set LUX_BIN to use an already built binary; LUX_PROFILE=debug builds the debug binary.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${LUX_TESTNET_DIR:-/tmp/luxtensor-testnet}"
PROFILE="${LUX_PROFILE:-release}"
if [ -z "${LUX_BIN:-}" ]; then
    scripts/setup.sh
    . scripts/env.sh
    if [ "$PROFILE" = release ]; then
        cargo build --locked --release -p luxtensor
    else
        cargo build --locked -p luxtensor
    fi
    LUX_BIN="$CARGO_TARGET_DIR/$PROFILE/luxtensor"
fi
mkdir -p "$DIR"
# The raw spec of the built-in local chain, written as an operator would hand it out
# (LUX_CHAIN=path/to/spec.json starts another chain).
CHAIN="${LUX_CHAIN:-$DIR/local.json}"
[ -n "${LUX_CHAIN:-}" ] || "$LUX_BIN" build-spec --chain local --raw > "$CHAIN"

# A fixed node key for alice, so everyone knows her address before she starts.
ALICE_KEY="$DIR/alice/node-key"
mkdir -p "$DIR/alice"
[ -f "$ALICE_KEY" ] || printf '%s' 0000000000000000000000000000000000000000000000000000000000000001 > "$ALICE_KEY"

pids=()
cleanup() {
    trap - EXIT INT TERM
    echo "stopping the testnet"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # name p2p-port rpc-port extra-args...
    local name=$1 port=$2 rpc=$3
    shift 3
    "$LUX_BIN" --chain "$CHAIN" --base-path "$DIR/$name" --name "$name" \
        --listen-addr "/ip4/127.0.0.1/tcp/$port" --rpc-port "$rpc" --no-prometheus \
        "$@" >"$DIR/$name.log" 2>&1 &
    pids+=($!)
    echo "started $name (pid $!): p2p $port, rpc ws://127.0.0.1:$rpc, log $DIR/$name.log"
}

start alice 30333 9944 --alice --node-key-file "$ALICE_KEY"
# Alice's peer id follows from her key; read it from her log.
for _ in $(seq 1 100); do
    ALICE_ID=$(sed -n 's/.*Local node identity is: \([A-Za-z0-9]*\).*/\1/p' "$DIR/alice.log" | head -1)
    [ -n "$ALICE_ID" ] && break
    sleep 0.1
done
if [ -z "${ALICE_ID:-}" ]; then
    echo "alice did not start; see $DIR/alice.log" >&2
    exit 1
fi
BOOTNODE="/ip4/127.0.0.1/tcp/30333/p2p/$ALICE_ID"
echo "bootnode: $BOOTNODE"
start bob 30334 9945 --bob --bootnodes "$BOOTNODE"
start charlie 30335 9946 --charlie --bootnodes "$BOOTNODE"
start dave 30336 9947 --dave --bootnodes "$BOOTNODE"
start full 30337 9948 --bootnodes "$BOOTNODE"
echo "the testnet runs; Ctrl-C stops it. Follow a node with: tail -f $DIR/alice.log"
wait
