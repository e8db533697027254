#!/usr/bin/env bash
# Installs what building and testing LuxTensor needs on a fresh Debian/Ubuntu machine:
# clang and libclang (RocksDB's bindings), iproute2 and Python 3 (the network-namespace
# testnet and its netem stand-in), Prometheus (the metrics test), the pinned Rust toolchain
# with the wasm32-unknown-unknown target (from rust-toolchain.toml), and the JavaScript test
# packages if tests/js exists. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $*" >&2; return 1
    fi
}

missing=()
for pkg in clang libclang-dev iproute2; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v python3 >/dev/null || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi

# The Prometheus server the metrics test scrapes the node with.
if ! command -v prometheus >/dev/null && [ ! -x /usr/bin/prometheus ]; then
    echo "==> installing prometheus"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends prometheus
fi

if ! command -v rustup >/dev/null; then
    echo "==> installing rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --default-toolchain none
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup run "$toolchain" cargo clippy --version >/dev/null 2>&1 \
    || ! rustup run "$toolchain" rustfmt --version >/dev/null 2>&1; then
    echo "==> installing Rust $toolchain"
    rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy
fi
if ! rustup target list --installed --toolchain "$toolchain" | grep -qx wasm32-unknown-unknown; then
    echo "==> adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown --toolchain "$toolchain"
fi

# RocksDB (C++) is the longest part of a build. It is compiled once per machine and version,
# without debug info, and every build profile (debug, test, release, bench, clippy) links that
# one static library (scripts/env.sh points librocksdb-sys at it) instead of compiling its own.
# scripts/build-rocksdb.sh compiles it with clang (installed above for the bindings) as a few
# unity files: about a quarter of the time librocksdb-sys's own build takes (BENCHMARKS.md).
rocksdb_dir=$(. scripts/env.sh && echo "${ROCKSDB_LIB_DIR:-$LUX_ROCKSDB_DIR}")
if [ ! -f "$rocksdb_dir/librocksdb.a" ]; then
    echo "==> compiling RocksDB once for every build profile"
    scripts/build-rocksdb.sh "$rocksdb_dir"
fi

if [ -f tests/js/package.json ]; then
    if ! command -v npm >/dev/null; then
        echo "==> installing Node.js and npm"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm
    fi
    # Reinstall only when the lock file changed since the last install.
    if [ ! -f tests/js/node_modules/.package-lock.json ] \
        || ! cmp -s tests/js/package-lock.json tests/js/node_modules/.luxtensor-installed-lock; then
        echo "==> npm packages for tests/js"
        # `npm install --no-save` installs exactly what the lock pins without
        # rewriting it; `npm ci` rejects locks that npm itself wrote without
        # other platforms' optional packages (npm/cli#4828).
        (cd tests/js && npm install --no-save --no-audit --no-fund && cp package-lock.json node_modules/.luxtensor-installed-lock)
    fi
fi
