//! Well-known storage keys that the host reads directly.

/// The runtime's wasm code (`:code`).
pub const CODE: &[u8] = b":code";
/// The runtime's heap size in 64 KiB pages (`:heappages`), SCALE `u64`.
pub const HEAP_PAGES: &[u8] = b":heappages";
/// The code `:code` replaced, kept by the upgrade block while the new code is on probation
/// (see [`crate::upgrade`]); removed by the first block the new code runs.
pub const PREVIOUS_CODE: &[u8] = b":lux:previous_code";
