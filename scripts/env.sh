# Sourced by the scripts: one build directory outside the clone, reused between runs.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/luxtensor/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# RocksDB compiled once (by scripts/setup.sh) and linked by every profile, see setup.sh.
rocksdb_version=$(sed -n '/^name = "librocksdb-sys"$/{n;s/^version = "\(.*\)"$/\1/p}' \
    "$(dirname "${BASH_SOURCE[0]}")/../Cargo.lock")
# Named by RocksDB's version and the recipe that built it (scripts/build-rocksdb.sh): a new
# recipe builds a new library rather than reusing one compiled another way.
rocksdb_recipe=$(sha256sum "$(dirname "${BASH_SOURCE[0]}")/build-rocksdb.sh" | cut -c1-12)
export LUX_ROCKSDB_DIR="${LUX_CACHE_DIR:-$HOME/.cache/luxtensor}/rocksdb-$rocksdb_version-$rocksdb_recipe"
if [ -f "$LUX_ROCKSDB_DIR/librocksdb.a" ]; then
    export ROCKSDB_LIB_DIR="$LUX_ROCKSDB_DIR" ROCKSDB_STATIC=1
    export SNAPPY_LIB_DIR="$LUX_ROCKSDB_DIR" SNAPPY_STATIC=1
fi
unset rocksdb_version rocksdb_recipe
