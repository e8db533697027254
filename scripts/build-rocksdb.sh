#!/usr/bin/env bash
# Compiles the RocksDB (and Snappy) that the locked `librocksdb-sys` crate bundles into
# `<out-dir>/librocksdb.a` and `<out-dir>/libsnappy.a`, which every build profile then links
# (scripts/env.sh points librocksdb-sys at them). Run by scripts/setup.sh once per machine.
#
#   scripts/build-rocksdb.sh <out-dir>
#
# Same sources, defines and flags as the crate's build script (librocksdb-sys's build.rs, for
# Linux on x86_64 or aarch64, release profile, no debug info, no -Ctarget-cpu), compiled with
# clang; the difference is how they are grouped. The crate compiles RocksDB's 342 files one
# by one, and each of them parses the same few hundred thousand lines of C++ standard library
# and RocksDB headers again; here they are compiled as a few "unity" files that each include
# a contiguous run of the sources in RocksDB's own order, so the headers are parsed once per
# run. RocksDB supports this (its Makefile's `unity` target, built and tested by its CI's
# build-linux-unity-and-headers job on every pull request). BENCHMARKS.md, "Build", has the
# figures. On another system the crate's own build script compiles it, as before.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/build-rocksdb.sh <out-dir>}

src=$(cargo metadata --locked --format-version 1 | python3 -c '
import json, os, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "librocksdb-sys":
        print(os.path.dirname(p["manifest_path"]))')
[ -f "$src/rocksdb_lib_sources.txt" ] || { echo "librocksdb-sys sources not found" >&2; exit 1; }

cfg=$(rustc --print cfg)
arch=$(sed -n 's/^target_arch="\(.*\)"$/\1/p' <<<"$cfg")
os=$(sed -n 's/^target_os="\(.*\)"$/\1/p' <<<"$cfg")
has() { grep -qx "target_feature=\"$1\"" <<<"$cfg"; }

work="$out.build"
rm -rf "$work"
mkdir -p "$work"

if [ "$os" != linux ] || { [ "$arch" != x86_64 ] && [ "$arch" != aarch64 ]; }; then
    # Not a platform the flags below are written for: let the crate's build script do it.
    (
        unset ROCKSDB_LIB_DIR ROCKSDB_STATIC SNAPPY_LIB_DIR SNAPPY_STATIC
        CC=clang CXX=clang++ CARGO_PROFILE_RELEASE_DEBUG=false \
            cargo build --locked --release -p lux-db --target-dir "$work/target"
    )
    built=$(dirname "$(ls -t "$work"/target/release/build/librocksdb-sys-*/out/librocksdb.a | head -1)")
    mkdir -p "$out"
    cp "$built/libsnappy.a" "$out/"
    cp "$built/librocksdb.a" "$out/librocksdb.a.tmp"
    mv "$out/librocksdb.a.tmp" "$out/librocksdb.a"
    rm -rf "$work"
    exit 0
fi

# What cc-rs passes for a release build without debug info.
common=(-O3 -ffunction-sections -fdata-sections -fPIC -DNDEBUG=1 -w)
# build.rs's target flags: the Rust target's features, passed through.
target=()
if [ "$arch" = x86_64 ]; then
    target+=(-m64)
    has sse2 && target+=(-msse2)
    has sse4.1 && target+=(-msse4.1)
    has sse4.2 && target+=(-msse4.2)
    has avx2 && target+=(-mavx2)
    has bmi1 && target+=(-mbmi)
    has lzcnt && target+=(-mlzcnt)
    has pclmulqdq && target+=(-mpclmul)
elif has crc && has aes; then
    target+=(-march=armv8-a+crc+aes+crypto)
fi
rocksdb=("${common[@]}" "${target[@]}" -std=c++20 -include cstdint
    -I"$src/rocksdb/include/" -I"$src/rocksdb/" -I"$src/rocksdb/third-party/gtest-1.8.1/fused-src/"
    -DSNAPPY=1 -I"$src/snappy/" -I"$src" -DHAVE_ALIGNED_NEW -DHAVE_UINT128_EXTENSION
    -DOS_LINUX -DROCKSDB_PLATFORM_POSIX -DROCKSDB_LIB_IO_POSIX -DROCKSDB_SCHED_GETCPU_PRESENT
    -DROCKSDB_AUXV_GETAUXVAL_PRESENT -DROCKSDB_FALLOCATE_PRESENT -DROCKSDB_RANGESYNC_PRESENT)
snappy=("${common[@]}" "${target[@]}" -std=c++11 -I"$src/snappy/" -I"$src")

# The sources in RocksDB's order (build.rs leaves out util/build_version.cc for the crate's
# pre-generated build_version.cc), cut into runs of about equal size: a few per core, so
# both cores stay busy to the end, and few enough that the headers are parsed rarely.
jobs=$(nproc)
python3 - "$src" "$work" $((jobs * 4)) <<'EOF'
import os, sys
src, work, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = [line.strip() for line in open(os.path.join(src, "rocksdb_lib_sources.txt"))]
files = [f for f in files if f and f != "util/build_version.cc"]
sizes = [os.path.getsize(os.path.join(src, "rocksdb", f)) for f in files]
share, runs, run, size = sum(sizes) / count, [], [], 0
for f, s in zip(files, sizes):
    run.append(f)
    size += s
    if size >= share * (len(runs) + 1) and len(runs) < count - 1:
        runs.append(run)
        run = []
runs.append(run)
for i, run in enumerate(r for r in runs if r):
    with open(os.path.join(work, f"unity{i:02}.cc"), "w") as out:
        out.writelines(f'#include "rocksdb/{f}"\n' for f in run)
EOF

echo "#include \"$src/build_version.cc\"" >"$work/build_version.cc"
units=("$work"/unity*.cc "$work/build_version.cc")
echo "compiling RocksDB as ${#units[@]} units on $jobs cores"
printf '%s\n' "${units[@]}" | xargs -P "$jobs" -I{} clang++ "${rocksdb[@]}" -c {} -o {}.o
printf '%s\n' snappy.cc snappy-sinksource.cc snappy-c.cc | xargs -P "$jobs" -I{} \
    clang++ "${snappy[@]}" -c "$src/snappy/{}" -o "$work/snappy-{}.o"

mkdir -p "$out"
ar crs "$work/libsnappy.a" "$work"/snappy-*.o
ar crs "$work/librocksdb.a" "$work"/unity*.o "$work/build_version.cc.o"
mv "$work/libsnappy.a" "$out/libsnappy.a"
mv "$work/librocksdb.a" "$out/librocksdb.a"
rm -rf "$work"
