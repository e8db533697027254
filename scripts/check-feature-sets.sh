#!/usr/bin/env bash
# Checks that the node's build (`cargo build -p luxtensor`) and the workspace's test build
# (`cargo test --workspace`) enable the same features of every crate the node uses. Where they
# differ, the test build compiles that crate, and everything above it up to the node, a second
# time: a dev-dependency that turns on one more feature of a common crate (criterion turning on
# zerocopy's `derive`) once cost the test build 86 units, our own crates among them. Fix a
# difference by asking for the same features in both places (see node/cli/Cargo.toml).
# Reads the lock file only; builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

tree() {
    cargo tree --locked --prefix none --format '{p} [{f}]' "$@" | sed 's/ (\*)$//' | sort -u
}
node=$(mktemp)
workspace=$(mktemp)
trap 'rm -f "$node" "$workspace"' EXIT
tree -p luxtensor -e normal,build >"$node"
tree --workspace -e normal,build,dev >"$workspace"

# Every crate of the node's build, with its features, must be one of the workspace's.
differ=$(comm -23 "$node" "$workspace")
if [ -n "$differ" ]; then
    echo "The node's build and the workspace's test build enable different features of:" >&2
    while read -r line; do
        name=${line%% *}
        echo "  node:      $line" >&2
        grep "^$name v" "$workspace" | sed 's/^/  workspace: /' >&2
    done <<<"$differ"
    echo "so the test build compiles these crates, and all that depend on them, a second time." >&2
    exit 1
fi
echo "the node's build and the test build share every crate ($(wc -l <"$node") crates)"
