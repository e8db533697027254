//! `luxtensor`: runs a LuxTensor node, and the tools around it (chain specs, keys,
//! transfers, account queries).

mod cli;
mod commands;
mod run;
mod try_runtime;

use clap::Parser;

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
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
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc parameter; called before any thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
