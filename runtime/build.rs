//! Compiles this crate to wasm (`wasm32-unknown-unknown`, `--no-default-features`, profile
//! `runtime-wasm`) with a nested cargo invocation, and embeds the result as `WASM_BINARY`.
//!
//! Paths that would end up in panic messages (this workspace, the cargo registry, the target
//! directory) are remapped to fixed names, so with the toolchain pinned in
//! `rust-toolchain.toml` the wasm is byte-identical wherever it is built.
//! Set `SKIP_WASM_BUILD=1` to skip it (then `WASM_BINARY` is `None`).
//!
//! It also builds the two test runtimes the upgrade tests install on a live chain, and gives
//! their paths (they are not embedded in the node): `UPGRADE_TEST_WASM_PATH`, the
//! `spec_version + 1` runtime with a storage migration and a new call (feature
//! `upgrade-test`), and `UPGRADE_TRAP_WASM_PATH`, a `spec_version + 1` runtime that panics in
//! every block's initialization, or in inherent creation when the state holds `inherents`
//! under `luxtensor:upgrade-trap` (feature `upgrade-trap`). Only the runtime crate and the sudo
//! pallet are compiled again for them.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = env::var("TARGET").unwrap_or_default();
    println!("cargo:rerun-if-env-changed=SKIP_WASM_BUILD");
    // The nested build itself (wasm, no std) embeds nothing.
    if target.starts_with("wasm32") || env::var_os("CARGO_FEATURE_STD").is_none() {
        write_binary_rs(&out_dir, None);
        return;
    }
    if env::var_os("SKIP_WASM_BUILD").is_some() {
        println!("cargo:warning=SKIP_WASM_BUILD is set: the node will have no embedded runtime");
        write_binary_rs(&out_dir, None);
        return;
    }

    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let workspace = manifest_dir.parent().expect("runtime/ is inside the workspace").to_path_buf();
    for input in [
        "runtime/src",
        "runtime/Cargo.toml",
        "pallets",
        "primitives",
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain.toml",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(input).display());
    }

    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    let target_dir = if target_dir.is_absolute() { target_dir } else { workspace.join(target_dir) };
    let wasm_target_dir = target_dir.join("runtime-wasm");
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env::var_os("HOME").unwrap_or_default()).join(".cargo"));

    let rustflags = [
        format!("--remap-path-prefix={}=/luxtensor", workspace.display()),
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!("--remap-path-prefix={}=/target", wasm_target_dir.display()),
    ]
    .join("\x1f");

    let built = wasm_target_dir.join("wasm32-unknown-unknown/runtime-wasm/luxtensor_runtime.wasm");
    let mut outputs = Vec::new();
    for (feature, name) in [
        (None, "luxtensor_runtime.wasm"),
        (Some("upgrade-test"), "luxtensor_runtime_upgrade_test.wasm"),
        (Some("upgrade-trap"), "luxtensor_runtime_upgrade_trap.wasm"),
    ] {
        build_wasm(&workspace, &wasm_target_dir, &rustflags, feature);
        let output = out_dir.join(name);
        fs::copy(&built, &output)
            .unwrap_or_else(|e| panic!("copying {} failed: {e}", built.display()));
        outputs.push(output);
    }
    write_binary_rs(&out_dir, Some(&outputs));
}

/// Builds the runtime to wasm, with `feature` if given.
fn build_wasm(workspace: &Path, wasm_target_dir: &Path, rustflags: &str, feature: Option<&str>) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace).args([
        "rustc",
        "--package",
        "luxtensor-runtime",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "runtime-wasm",
        "--no-default-features",
        "--crate-type",
        "cdylib",
        "--locked",
    ]);
    if let Some(feature) = feature {
        command.args(["--features", feature]);
    }
    let status = command
        .arg("--target-dir")
        .arg(wasm_target_dir)
        // Nothing of the outer build's configuration may leak into the runtime build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .env_remove("CLIPPY_CONF_DIR")
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags)
        .status()
        .expect("failed to run cargo for the runtime wasm");
    if !status.success() {
        panic!("building the runtime wasm failed: see the compiler output above (the wasm32-unknown-unknown target comes with rust-toolchain.toml)");
    }
}

fn write_binary_rs(out_dir: &Path, wasm: Option<&[PathBuf]>) {
    let code = match wasm {
        Some([runtime, upgrade_test, upgrade_trap]) => format!(
            "/// The runtime compiled to wasm.\npub const WASM_BINARY: Option<&[u8]> = Some(include_bytes!({:?}));\n\
             /// The `spec_version + 1` test runtime with a migration and a new call.\npub const UPGRADE_TEST_WASM_PATH: Option<&str> = Some({:?});\n\
             /// The `spec_version + 1` test runtime that panics in every block's initialization.\npub const UPGRADE_TRAP_WASM_PATH: Option<&str> = Some({:?});\n",
            runtime.display().to_string(),
            upgrade_test.display().to_string(),
            upgrade_trap.display().to_string(),
        ),
        _ => "/// The runtime compiled to wasm (not built).\npub const WASM_BINARY: Option<&[u8]> = None;\n\
              /// The upgrade test runtime (not built).\npub const UPGRADE_TEST_WASM_PATH: Option<&str> = None;\n\
              /// The trapping test runtime (not built).\npub const UPGRADE_TRAP_WASM_PATH: Option<&str> = None;\n"
            .to_string(),
    };
    fs::write(out_dir.join("wasm_binary.rs"), code).expect("writing wasm_binary.rs");
}
