#!/usr/bin/env bash
# A network of hosts for testnets, made of Linux network namespaces (root only): host i is
# namespace lux-<i> with an interface eth0 at 10.77.0.<i>/24, plugged into a bridge that
# lives in its own namespace (lux-sw), so the nodes talk over real interfaces and addresses,
# never loopback. A second, separate network (mgmt0 at 10.78.0.<i>, the root namespace at
# 10.78.0.254) carries the tests' RPC calls, so slowing or splitting the first one never
# cuts the tests off from a node.
#
#   scripts/netns-testnet.sh up 5                 # hosts 1..5
#   scripts/netns-testnet.sh exec 3 luxtensor …   # run a command on host 3
#   scripts/netns-testnet.sh rate 4 100kbit       # host 4 behind a slow link (both ways)
#   scripts/netns-testnet.sh netem 2 delay 50ms 10ms loss 1%   # a long, lossy link (both ways)
#   scripts/netns-testnet.sh netem 2 off          # a plain link again
#   scripts/netns-testnet.sh partition 1 2        # hosts 1 and 2 cut off from the others
#   scripts/netns-testnet.sh heal                 # one network again
#   scripts/netns-testnet.sh down                 # remove everything
#
# Links can be slowed (tbf), delayed and made lossy (netem), and split. Delay and loss use the
# kernel's netem queueing discipline where it has one; where it does not (sch_netem not
# built), the link is cut in two and scripts/netem-wire.py passes frames across with the same
# delay, jitter and loss. Either way a setting applies to each direction of the host's link,
# so between two hosts with `delay 50ms` a packet takes 100 ms.
set -euo pipefail

SWITCH=lux-sw
RUN_DIR=/run/lux-netns
host() { echo "lux-$1"; }
in_switch() { ip netns exec "$SWITCH" "$@"; }
# The interface that plugs host i into a bridge: its veth, or the far end of its wire.
port() { if in_switch ip link show "lux-b$1" >/dev/null 2>&1; then echo "lux-b$1"; else echo "lux-h$1"; fi; }

up() {
    local count="$1"
    down 2>/dev/null || true
    ip netns add "$SWITCH"
    in_switch ip link set lo up
    in_switch ip link add br0 type bridge
    in_switch ip link add br1 type bridge
    in_switch ip link add mgmt type bridge
    in_switch ip link set br0 up
    in_switch ip link set br1 up
    in_switch ip link set mgmt up
    for i in $(seq 1 "$count"); do
        local ns
        ns=$(host "$i")
        ip netns add "$ns"
        ip netns exec "$ns" ip link set lo up
        ip link add "lux-h$i" type veth peer name eth0 netns "$ns"
        ip link set "lux-h$i" netns "$SWITCH"
        in_switch ip link set "lux-h$i" master br0 up
        ip netns exec "$ns" ip addr add "10.77.0.$i/24" dev eth0
        ip netns exec "$ns" ip link set eth0 up
        ip link add "lux-m$i" type veth peer name mgmt0 netns "$ns"
        ip link set "lux-m$i" netns "$SWITCH"
        in_switch ip link set "lux-m$i" master mgmt up
        ip netns exec "$ns" ip addr add "10.78.0.$i/24" dev mgmt0
        ip netns exec "$ns" ip link set mgmt0 up
    done
    # The tests' way in (RPC only).
    ip link add lux-root type veth peer name lux-mroot netns "$SWITCH"
    in_switch ip link set lux-mroot master mgmt up
    ip addr add 10.78.0.254/24 dev lux-root
    ip link set lux-root up
}

down() {
    for pid in "$RUN_DIR"/wire-*.pid; do
        stop_wire "$pid"
    done
    ip link del lux-root 2>/dev/null || true
    for ns in $(ip netns list | awk '{print $1}' | grep -E '^lux-'); do
        ip netns del "$ns"
    done
}

# rate <host> <rate>: a token bucket on both ends of the host's link.
rate() {
    local i="$1" r="$2"
    ip netns exec "$(host "$i")" tc qdisc replace dev eth0 root tbf rate "$r" burst 16kb latency 2s
    in_switch tc qdisc replace dev "lux-h$i" root tbf rate "$r" burst 16kb latency 2s
}

# netem <host> delay <time> [<jitter>] [loss <percent>%] | netem <host> off
netem() {
    local i="$1"
    shift
    local ns
    ns=$(host "$i")
    wire_off "$i"
    # Only a netem qdisc is removed: a `rate` on the same link stays.
    if ip netns exec "$ns" tc qdisc show dev eth0 | grep -q netem; then
        ip netns exec "$ns" tc qdisc del dev eth0 root
        in_switch tc qdisc del dev "lux-h$i" root 2>/dev/null || true
    fi
    [ "${1:-}" = off ] && return
    if ip netns exec "$ns" tc qdisc replace dev eth0 root netem "$@" 2>/dev/null; then
        in_switch tc qdisc replace dev "lux-h$i" root netem "$@"
    else
        wire_on "$i" "$@"
    fi
}

# The netem stand-in: host i's veth leaves its bridge, and a wire process joins it to a new
# veth pair whose far end (lux-b<i>) takes its place in the bridge.
wire_on() {
    local i="$1"
    shift
    local bridge
    bridge=$(in_switch ip -o link show "lux-h$i" | sed -n 's/.* master \([^ ]*\).*/\1/p')
    in_switch ip link set "lux-h$i" nomaster
    in_switch ip link add "lux-w$i" type veth peer name "lux-b$i"
    in_switch ip link set "lux-b$i" master "${bridge:-br0}" up
    in_switch ip link set "lux-w$i" up
    mkdir -p "$RUN_DIR"
    # A simple command (not a function) running the interpreter itself (not a wrapper such as
    # pyenv's shim): then $! is the wire's own pid.
    local python
    python=$(python3 -c 'import sys; print(sys.executable)')
    ip netns exec "$SWITCH" "$python" "$(dirname "$0")/netem-wire.py" "lux-h$i" "lux-w$i" "$@" \
        </dev/null >>"$RUN_DIR/wire-$i.log" 2>&1 &
    echo $! >"$RUN_DIR/wire-$i.pid"
    # Ready when the wire has bound both interfaces.
    for _ in $(seq 1 50); do
        if ss -N "$SWITCH" -0 -p 2>/dev/null | grep -q "pid=$(cat "$RUN_DIR/wire-$i.pid")"; then
            return
        fi
        kill -0 "$(cat "$RUN_DIR/wire-$i.pid")" 2>/dev/null || { cat "$RUN_DIR/wire-$i.log" >&2; return 1; }
        sleep 0.1
    done
}

# stop_wire <pid file>: ends a wire process and waits (up to 5 s) until it has gone.
stop_wire() {
    [ -f "$1" ] || return 0
    local pid
    pid=$(cat "$1")
    rm -f "$1"
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

wire_off() {
    local i="$1"
    local pid="$RUN_DIR/wire-$i.pid"
    in_switch ip link show "lux-b$i" >/dev/null 2>&1 || return 0
    stop_wire "$pid"
    local bridge
    bridge=$(in_switch ip -o link show "lux-b$i" | sed -n 's/.* master \([^ ]*\).*/\1/p')
    in_switch ip link del "lux-w$i"
    in_switch ip link set "lux-h$i" master "${bridge:-br0}" up
}

# partition <host>…: those hosts go to a second bridge, cut off from the rest.
partition() {
    for i in "$@"; do
        in_switch ip link set "$(port "$i")" master br1
    done
}

heal() {
    for link in $(in_switch ip -o link show master br1 | awk -F': ' '{print $2}' | cut -d@ -f1); do
        in_switch ip link set "$link" master br0
    done
}

command="${1:-}"
shift || true
case "$command" in
    up) up "${1:-5}" ;;
    down) down ;;
    exec)
        i="$1"
        shift
        exec ip netns exec "$(host "$i")" "$@"
        ;;
    rate) rate "$@" ;;
    netem) netem "$@" ;;
    partition) partition "$@" ;;
    heal) heal ;;
    *)
        sed -n '2,22p' "$0" >&2
        exit 2
        ;;
esac
