//! `luxtensor`: runs a LuxTensor node, and the tools around it (chain specs, keys,
//! transfers, account queries).

mod cli;
mod commands;
mod run;
mod try_runtime;

use clap::Parser;

fn main() -> std::process::ExitCode {
    tune_malloc();
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc gives every thread that allocates its own malloc arena (up to 8 per core), and memory
/// freed in one arena is not reused by threads of another: with the node's many threads
/// (tokio workers, validation threads, RocksDB) that fragmentation was most of its resident
/// memory under load. Two arenas keep the contention low and the memory bounded.
///
/// glibc also raises its threshold for serving an allocation with its own mapping each time
/// such a mapping is freed (up to 32 MiB), so the large short-lived buffers of a busy node
/// (blocks, batches of gossiped transactions, sync responses) end up inside the arenas, where
/// what they leave behind stays resident. A fixed threshold of 256 KiB gives them back to the
/// system when freed: on the saturated 4-validator testnet that lowered each node's peak RSS
/// by about 30 MiB (and at rest by 5 MiB), at the same throughput (BENCHMARKS.md).
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes malloc parameters; called before any thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}
