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
#   scripts/netns-testnet.sh partition 1 2        # hosts 1 and 2 cut off from the others
#   scripts/netns-testnet.sh heal                 # one network again
#   scripts/netns-testnet.sh down                 # remove everything
#
# Links can be slowed (tbf) and split; latency, jitter and loss need the kernel's netem
# queueing discipline (sch_netem), which `netem` applies where the kernel has it.
set -euo pipefail

SWITCH=lux-sw
host() { echo "lux-$1"; }
in_switch() { ip netns exec "$SWITCH" "$@"; }

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

# netem <host> <netem options…>: delay, jitter, loss (needs sch_netem in the kernel).
netem() {
    local i="$1"
    shift
    ip netns exec "$(host "$i")" tc qdisc replace dev eth0 root netem "$@"
}

# partition <host>…: those hosts go to a second bridge, cut off from the rest.
partition() {
    for i in "$@"; do
        in_switch ip link set "lux-h$i" master br1
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
        sed -n '2,16p' "$0" >&2
        exit 2
        ;;
esac
